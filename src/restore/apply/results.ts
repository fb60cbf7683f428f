import { compareGoStrings } from '../../gojson/index.ts';
import type { ResourceList } from '../../model/index.ts';
import { ResultsCollector } from '../../results/index.ts';
import { nullRecord } from '../own.ts';

export type ItemResult = 'created' | 'updated' | 'failed' | 'skipped';

export interface RestoreCounts {
  created: number;
  updated: number;
  skipped: number;
  failed: number;
}

/**
 * What a restore did, in Velero's shapes: the collector's `{errors, warnings}` with
 * `velero`/`cluster`/`namespaces` keys (spec §5.9), the counts, and the resource list
 * `{"<gv>/<Kind>": ["ns/name(action)"]}`.
 */
export class RestoreResults extends ResultsCollector {
  readonly #list = new Map<string, string[]>();
  readonly counts: RestoreCounts = { created: 0, updated: 0, skipped: 0, failed: 0 };

  record(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    result: ItemResult,
  ): void {
    this.counts[result]++;
    if (kind === '') return; // an unreadable item: counted, but it has no `<gv>/<Kind>` to be listed under
    const key = `${apiVersion}/${kind}`;
    const list = this.#list.get(key) ?? [];
    list.push(`${namespace ? `${namespace}/` : ''}${name}(${result})`);
    this.#list.set(key, list);
  }

  resourceList(): ResourceList {
    const out: ResourceList = nullRecord();
    for (const key of [...this.#list.keys()].sort(compareGoStrings)) {
      out[key] = [...(this.#list.get(key) ?? [])].sort(compareGoStrings);
    }
    return out;
  }
}
