import { describe, expect, it } from 'vitest';
import { buildProgram, requestedGroup } from './program.ts';

describe('requestedGroup: which command group a command line loads', () => {
  it.each([
    [['backup', 'create', 'b1'], 'backup'],
    [['--config', '/tmp/c.yaml', '--log-level', 'warn', 'restore', 'create'], 'restore'],
    [['--config=/tmp/c.yaml', 'schedule', 'get'], 'schedule'],
    [['--debug', 'server'], 'server'],
    [['backup-location', 'get'], 'location'],
    [['--log-format', 'json', 'gc'], 'gc'],
  ])('%j → %s', (args, group) => {
    expect(requestedGroup(args)).toBe(group);
  });

  it.each([
    [[]],
    [['--help']],
    [['help', 'backup']],
    [['bakup']],
    [['--', 'backup']],
    [['--config', 'backup']],
  ])('%j → every group (help, typos and suggestions see them all)', (args) => {
    expect(requestedGroup(args)).toBeUndefined();
  });
});

describe('buildProgram', () => {
  const names = async (args: string[]) => (await buildProgram(args)).commands.map((c) => c.name());

  it('registers only the named group', async () => {
    expect(await names(['backup', 'get'])).toEqual(['backup']);
    expect(await names(['backup-location', 'get'])).toEqual(['location']);
  });

  it('registers every group for help and unknown commands, none for --version', async () => {
    const all = [
      'backup',
      'location',
      'cluster',
      'restore',
      'restore-helper',
      'drill',
      'schedule',
      'gc',
      'server',
      'profile',
      'standby',
      'repo',
      'runbook',
      'demo',
      'agent',
    ];
    expect(await names(['--help'])).toEqual(all);
    expect(await names(['bakup'])).toEqual(all);
    expect(await names(['--version'])).toEqual([]);
  });
});
