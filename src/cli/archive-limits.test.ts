import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { archiveLimits } from './archive-limits.ts';
import { buildProgram } from './program.ts';

describe('archive limit flags', () => {
  it('parses sizes in bytes or binary units, and whole ratios', () => {
    expect(archiveLimits({})).toEqual({});
    expect(
      archiveLimits({ maxArchiveBytes: '16Gi', maxEntryBytes: '1048576', maxExpansionRatio: '1000' }),
    ).toEqual({ maxTotalBytes: 16 * 1024 ** 3, maxEntryBytes: 1024 ** 2, maxExpansionRatio: 1000 });
    expect(archiveLimits({ maxEntryBytes: '64Mi' })).toEqual({ maxEntryBytes: 64 * 1024 ** 2 });
  });

  it.each([
    [{ maxArchiveBytes: '16GB' }, /--max-archive-bytes must be a size/],
    [{ maxArchiveBytes: '0' }, /--max-archive-bytes must be a size/],
    [{ maxArchiveBytes: '-1Gi' }, /--max-archive-bytes must be a size/],
    [{ maxArchiveBytes: '99999999999999Ti' }, /--max-archive-bytes must be a size/],
    [{ maxEntryBytes: '1Gi' }, /--max-entry-bytes must be a size from 1 byte to 512Mi/],
    [{ maxExpansionRatio: '1' }, /--max-expansion-ratio must be a whole number/],
    [{ maxExpansionRatio: '2.5' }, /--max-expansion-ratio must be a whole number/],
    [{ maxExpansionRatio: 'lots' }, /--max-expansion-ratio must be a whole number/],
  ])('%j is a usage error', (flags, message) => {
    let err: unknown;
    try {
      archiveLimits(flags);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LifeboatError);
    expect((err as LifeboatError).code).toBe('USAGE');
    expect((err as LifeboatError).message).toMatch(message);
  });

  it.each([
    ['restore', 'create'],
    ['restore', 'verify'],
    ['backup', 'verify'],
  ])('%s %s takes the three flags (the names the refusals give)', async (group, name) => {
    const program = await buildProgram([group, name]);
    const command = program.commands
      .find((c) => c.name() === group)
      ?.commands.find((c: Command) => c.name() === name);
    expect(command?.options.map((o) => o.long)).toEqual(
      expect.arrayContaining(['--max-archive-bytes', '--max-entry-bytes', '--max-expansion-ratio']),
    );
  });
});
