import { compareGoStrings } from '../model/go-json.ts';
import type { ResourceList, ResultMessages, ResultsFile } from '../model/velero.ts';
import { nullRecord } from './own.ts';

export type ItemResult = 'created' | 'updated' | 'failed' | 'skipped';

export interface RestoreCounts {
  created: number;
  updated: number;
  skipped: number;
  failed: number;
}

/**
 * What a restore did, in Velero's shapes: `{errors, warnings}` with `velero`/`cluster`/`namespaces`
 * keys (spec §5.9) and the resource list `{"<gv>/<Kind>": ["ns/name(action)"]}`.
 */
export class RestoreResults {
  readonly #errors: Required<ResultMessages> = { velero: [], cluster: [], namespaces: nullRecord() };
  readonly #warnings: Required<ResultMessages> = { velero: [], cluster: [], namespaces: nullRecord() };
  readonly #list = new Map<string, string[]>();
  readonly counts: RestoreCounts = { created: 0, updated: 0, skipped: 0, failed: 0 };

  /** A message about an item: under its target namespace, or `cluster` for cluster-scoped items. */
  error(namespace: string | undefined, message: string): void {
    add(this.#errors, namespace, message);
  }

  warning(namespace: string | undefined, message: string): void {
    add(this.#warnings, namespace, message);
  }

  veleroError(message: string): void {
    this.#errors.velero.push(message);
  }

  veleroWarning(message: string): void {
    this.#warnings.velero.push(message);
  }

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

  get errorCount(): number {
    return total(this.#errors);
  }

  get warningCount(): number {
    return total(this.#warnings);
  }

  toFile(): ResultsFile {
    return { errors: compact(this.#errors), warnings: compact(this.#warnings) };
  }

  resourceList(): ResourceList {
    const out: ResourceList = nullRecord();
    for (const key of [...this.#list.keys()].sort(compareGoStrings)) {
      out[key] = [...(this.#list.get(key) ?? [])].sort(compareGoStrings);
    }
    return out;
  }
}

function add(target: Required<ResultMessages>, namespace: string | undefined, message: string): void {
  if (namespace === undefined || namespace === '') target.cluster.push(message);
  else (target.namespaces[namespace] ??= []).push(message);
}

function total(r: Required<ResultMessages>): number {
  return r.velero.length + r.cluster.length + Object.values(r.namespaces).reduce((n, m) => n + m.length, 0);
}

/**
 * Velero omits empty keys (`omitempty`). Namespaces come in Go's map order already, so the encoder
 * keeps the record as it is (a `__proto__` namespace stays a key).
 */
function compact(r: Required<ResultMessages>): ResultMessages {
  const out: ResultMessages = {};
  if (r.velero.length > 0) out.velero = r.velero;
  if (r.cluster.length > 0) out.cluster = r.cluster;
  const names = Object.keys(r.namespaces).sort(compareGoStrings);
  if (names.length > 0) {
    const namespaces = nullRecord<string[]>();
    for (const ns of names) namespaces[ns] = r.namespaces[ns] ?? [];
    out.namespaces = namespaces;
  }
  return out;
}
