import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { LifeboatError } from '../errors/index.ts';
import { packageRoot } from './version.ts';

/**
 * `lifeboat demo`: the recovery walk-through of `npm run demo`. It needs the test harness (local
 * control planes built from the Go module proxy), which ships with a source checkout only; as root
 * the harness adds a real node per cluster and the demo brings a pod's volume data back too.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'walk through a disaster recovery on local clusters, with pod volume data on real nodes when run as root (needs a source checkout and Go)',
    )
    .action(async () => {
      const root = packageRoot();
      const script = root === undefined ? undefined : join(root, 'scripts', 'demo.ts');
      if (script === undefined || !existsSync(script) || !existsSync(join(root!, 'test', 'harness'))) {
        throw new LifeboatError(
          'UNSUPPORTED',
          'the demo needs the test harness, which comes with a source checkout of lifeboat',
          {
            hint: 'clone the lifeboat repository, then run: npm ci && npm run demo',
          },
        );
      }
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [script], { stdio: 'inherit', cwd: root });
        child.on('error', reject);
        child.on('close', (c) => resolve(c ?? 1));
      });
      if (code !== 0)
        throw new LifeboatError('OPERATION_FAILED', `the demo failed (exit code ${code})`, {
          hint: 'see its output above',
        });
    });
}
