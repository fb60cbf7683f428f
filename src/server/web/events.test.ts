import { describe, expect, it } from 'vitest';
import { eventBlocks } from './events.ts';

describe('reading the change feed', () => {
  it('finds the change events among comments and keeps an unfinished block for the next chunk', () => {
    const first = eventBlocks(
      ': lifeboat change feed\n\nevent: change\ndata: {"topics":["backups"]}\n\nevent: cha',
    );
    expect(first).toEqual({ events: ['change'], rest: 'event: cha' });
    const second = eventBlocks(`${first.rest}nge\r\ndata: {}\r\n\r\n: keep-alive\n\n`);
    expect(second).toEqual({ events: ['change'], rest: '' });
    expect(eventBlocks('event: other\ndata: x\n\n').events).toEqual([]);
  });
});
