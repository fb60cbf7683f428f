import { describe, expect, it } from 'vitest';
import { veleroBackupSchema } from '../model/index.ts';
import { buildVeleroBackupJson, type VeleroBackupInput } from './velero-backup-json.ts';

const base: VeleroBackupInput = {
  name: 'b1',
  uid: '2b6e0d5c-1111-4222-8333-444455556666',
  storageLocation: 'default',
  spec: { includedNamespaces: ['shop'] },
  phase: 'Completed',
  startTimestamp: new Date('2026-05-01T10:00:00Z'),
};

/** The `"hooks": …` member of the spec, as written (two-space indent, inside spec). */
function hooksText(json: string): string {
  const start = json.indexOf('    "hooks": ');
  const end = json.indexOf('\n    "storageLocation"');
  return json.slice(start, end);
}

describe('spec.hooks in velero-backup.json', () => {
  it('is an empty object without resource hooks, as Velero writes a nil Resources', () => {
    expect(hooksText(buildVeleroBackupJson(base))).toBe('    "hooks": {},');
    expect(
      hooksText(buildVeleroBackupJson({ ...base, spec: { ...base.spec, hooks: { resources: [] } } })),
    ).toBe('    "hooks": {},');
  });

  it("writes resource hooks in Go's field order: name always, lists and selector when set, exec's timeout always", () => {
    const json = buildVeleroBackupJson({
      ...base,
      spec: {
        ...base.spec,
        hooks: {
          resources: [
            {
              name: 'quiesce',
              includedNamespaces: ['shop'],
              excludedResources: [],
              labelSelector: { matchLabels: { tier: 'db', app: 'pg' } },
              pre: [
                { exec: { command: ['sh', '-c', 'lock'], container: 'db', onError: 'Fail', timeout: '90s' } },
                { exec: { command: ['sync'] } },
              ],
              post: [{ exec: { command: ['unlock'], onError: 'Continue', timeout: '-1s' } }],
            },
          ],
        },
      },
    });
    expect(hooksText(json)).toBe(
      [
        '    "hooks": {',
        '      "resources": [',
        '        {',
        '          "name": "quiesce",',
        '          "includedNamespaces": [',
        '            "shop"',
        '          ],',
        '          "labelSelector": {',
        '            "matchLabels": {',
        '              "app": "pg",',
        '              "tier": "db"',
        '            }',
        '          },',
        '          "pre": [',
        '            {',
        '              "exec": {',
        '                "container": "db",',
        '                "command": [',
        '                  "sh",',
        '                  "-c",',
        '                  "lock"',
        '                ],',
        '                "onError": "Fail",',
        '                "timeout": "1m30s"',
        '              }',
        '            },',
        '            {',
        '              "exec": {',
        '                "command": [',
        '                  "sync"',
        '                ],',
        '                "timeout": "0s"',
        '              }',
        '            }',
        '          ],',
        '          "post": [',
        '            {',
        '              "exec": {',
        '                "command": [',
        '                  "unlock"',
        '                ],',
        '                "onError": "Continue",',
        '                "timeout": "-1s"',
        '              }',
        '            }',
        '          ]',
        '        }',
        '      ]',
        '    },',
      ].join('\n'),
    );
    const read = veleroBackupSchema().parse(JSON.parse(json));
    expect(read.spec.hooks?.resources?.[0]?.pre?.[0]?.exec?.command).toEqual(['sh', '-c', 'lock']);
  });

  it('reads a stored backup whose hooks are malformed as having none, never as unreadable', () => {
    const json = JSON.parse(buildVeleroBackupJson(base)) as { spec: Record<string, unknown> };
    json.spec['hooks'] = { resources: 'not a list' };
    const read = veleroBackupSchema().parse(json);
    expect(read.spec.hooks).toBeUndefined();
    expect(read.metadata.name).toBe('b1');
  });
});
