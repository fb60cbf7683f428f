import { describe, expect, it } from 'vitest';
import { ChangeFeed } from './event-routes.ts';

describe('the change feed', () => {
  it('tells its listeners which topics changed, and only those', () => {
    let state = new Map([
      ['backups', 'a'],
      ['restores', 'x'],
    ]);
    const feed = new ChangeFeed(() => new Map(state));
    const heard: string[][] = [];
    const stop = feed.subscribe((topics) => heard.push(topics));
    expect(feed.tick()).toEqual([]);
    state = new Map([
      ['backups', 'b'],
      ['restores', 'x'],
    ]);
    expect(feed.tick()).toEqual(['backups']);
    state.set('schedules', 's');
    state.set('restores', 'y');
    feed.tick();
    expect(heard).toEqual([['backups'], ['restores', 'schedules']]);
    stop();
    state.set('backups', 'c');
    feed.tick();
    expect(heard).toHaveLength(2);
    expect(feed.size).toBe(0);
  });
});
