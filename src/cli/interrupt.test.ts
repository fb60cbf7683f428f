import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { interruptible, untilInterrupted } from './interrupt.ts';

function sink() {
  const calls = { done: 0 };
  return { calls, progress: { update() {}, done: () => void calls.done++ } };
}

describe('interruptible', () => {
  it('aborts the work on the first SIGINT with an INTERRUPTED error, and a second signal meets no handler', async () => {
    const before = process.listenerCount('SIGINT');
    const { calls, progress } = sink();
    const reason = await interruptible(progress, async (signal) => {
      expect(process.listenerCount('SIGINT')).toBe(before + 1);
      process.emit('SIGINT');
      expect(process.listenerCount('SIGINT')).toBe(before);
      await Promise.resolve();
      return signal.reason as unknown;
    });
    expect(reason).toBeInstanceOf(LifeboatError);
    expect((reason as LifeboatError).code).toBe('INTERRUPTED');
    expect((reason as LifeboatError).message).toBe('interrupted');
    expect(calls.done).toBe(1);
  });

  it('SIGTERM aborts too', async () => {
    const aborted = await interruptible(sink().progress, async (signal) => {
      process.emit('SIGTERM');
      await Promise.resolve();
      return signal.aborted;
    });
    expect(aborted).toBe(true);
  });

  it('removes its handlers and clears the progress line when the work fails', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const { calls, progress } = sink();
    await expect(
      interruptible(progress, async (signal) => {
        expect(signal.aborted).toBe(false);
        await Promise.resolve();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
    expect(calls.done).toBe(1);
  });
});

describe('untilInterrupted', () => {
  it('resolves with the first signal and leaves no handler for a second one', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const signal = untilInterrupted();
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([
      before[0]! + 1,
      before[1]! + 1,
    ]);
    process.emit('SIGTERM');
    await expect(signal).resolves.toBe('SIGTERM');
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});
