import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

/** The CLI loads only the command group it is asked for; help, typos and --version still work. */
describe('lifeboat command groups on the command line', () => {
  it('lists every group in --help', async () => {
    const run = await runCli(['--help']);
    expect(run.status, run.stderr).toBe(0);
    for (const group of ['backup', 'location', 'restore', 'schedule', 'gc', 'server', 'profile', 'standby'])
      expect(run.stdout).toMatch(new RegExp(`^\\s+${group}\\b`, 'm'));
  });

  it('suggests the group meant by a typo, exit 2', async () => {
    const run = await runCli(['bakup', 'get']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("unknown command 'bakup'");
    expect(run.stderr).toContain('Did you mean backup?');
  });

  it('prints the version without loading any group, and reaches a group behind global options', async () => {
    const version = await runCli(['--version']);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await runCli(['--log-level', 'error', 'backup-location', 'get', '--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: lifeboat location get');
  });
});
