import { afterEach, describe, expect, it, vi } from 'vitest';
import { throttledByPhase, type ProgressLine } from './progress.ts';

afterEach(() => vi.useRealTimers());

function recording() {
  const seen: { phase: string; line: string }[] = [];
  let done = 0;
  return {
    seen,
    done: () => done,
    sink: {
      update(fields: object, line: ProgressLine) {
        seen.push({
          phase: (fields as { phase: string }).phase,
          line: typeof line === 'string' ? line : line(),
        });
      },
      done: () => void done++,
    },
  };
}

describe('throttledByPhase', () => {
  it('passes one update per interval within a phase, and every phase change', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const r = recording();
    const p = throttledByPhase(r.sink, 250);
    p.update({ phase: 'restoring' }, 'a');
    p.update({ phase: 'restoring' }, 'b');
    vi.advanceTimersByTime(100);
    p.update({ phase: 'verifying' }, 'c');
    p.update({ phase: 'verifying' }, () => 'd');
    vi.advanceTimersByTime(250);
    p.update({ phase: 'verifying' }, () => 'e');
    expect(r.seen).toEqual([
      { phase: 'restoring', line: 'a' },
      { phase: 'verifying', line: 'c' },
      { phase: 'verifying', line: 'e' },
    ]);
    p.done();
    expect(r.done()).toBe(1);
  });

  it('does not build a line it drops', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const p = throttledByPhase(recording().sink, 250);
    const line = vi.fn(() => 'x');
    p.update({ phase: 'restoring' }, line);
    p.update({ phase: 'restoring' }, line);
    expect(line).toHaveBeenCalledTimes(1);
  });
});
