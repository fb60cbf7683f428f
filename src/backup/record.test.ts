import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { itemMessage, ResultsCollector } from '../results/index.ts';
import type { CollectOutcome } from './collect-options.ts';
import { buildSidecars, collectedPhase, recordedSpec } from './record.ts';

function outcome(errors = 0, fatal?: LifeboatError): CollectOutcome {
  const results = new ResultsCollector();
  for (let i = 0; i < errors; i++) results.error(itemMessage({ message: `e${i}` }));
  return { itemsBackedUp: 1, resourceList: { 'v1/ConfigMap': ['app/c1'] }, counts: {}, results, fatal };
}

describe('the record of a backup', () => {
  it('is Completed, PartiallyFailed with errors, Failed when the cluster was lost', () => {
    expect(collectedPhase(outcome())).toBe('Completed');
    expect(collectedPhase(outcome(1))).toBe('PartiallyFailed');
    expect(collectedPhase(outcome(1, new LifeboatError('UNREACHABLE', 'gone')))).toBe('Failed');
  });

  it('has every sidecar, gzipped Go JSON lines', async () => {
    const sidecars = buildSidecars(outcome());
    expect(gunzipSync(await sidecars.resourceList).toString()).toBe('{"v1/ConfigMap":["app/c1"]}\n');
    expect(gunzipSync(await sidecars.volumeSnapshots).toString()).toBe('null\n');
    expect(gunzipSync(await sidecars.volumeInfo).toString()).toBe('[]\n');
  });

  it('records every namespace as ["*"] and leaves empty filters out', () => {
    const spec = recordedSpec(
      {
        includedNamespaces: [],
        excludedNamespaces: [],
        includedResources: ['configmaps'],
        excludedResources: [],
      },
      undefined,
      3_600_000,
    );
    expect(spec.includedNamespaces).toEqual(['*']);
    expect(spec.excludedNamespaces).toBeUndefined();
    expect(spec.includedResources).toEqual(['configmaps']);
    expect(spec.ttl).toBe('1h0m0s');
  });
});
