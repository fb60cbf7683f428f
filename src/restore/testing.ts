import { KubeApiError, type KubeClient, type RequestSpec } from '../kube/index.ts';
import { silentLogger } from '../log/index.ts';
import type { KubeObject } from '../model/index.ts';
import {
  type ApplyContext,
  NO_VOLUME_EVIDENCE,
  PreparedInMemory,
  type PrepareContext,
  prepareItem,
  RestoreResults,
} from './apply/index.ts';
import type { PlannedItem } from './plan/index.ts';

/** A request the fake cluster answered: method, path and body. */
export interface Recorded {
  method: string;
  path: string;
  body: unknown;
}

/**
 * An in-memory target cluster, for tests: objects by path; POST creates (409 AlreadyExists when the
 * object is there), GET reads (404 when not), PATCH is recorded. A refused name fails its create.
 */
export class FakeTarget {
  readonly requests: Recorded[] = [];
  readonly objects = new Map<string, KubeObject>();
  readonly #refused = new Map<string, string>();
  readonly #forbiddenFor = new Map<string, { times: number; message: string }>();

  put(path: string, object: KubeObject): this {
    this.objects.set(path, object);
    return this;
  }

  refuse(name: string, message: string): this {
    this.#refused.set(name, message);
    return this;
  }

  /** The name's next `times` creates are refused 403 Forbidden with the message (an admission plugin's). */
  forbid(name: string, times: number, message: string): this {
    this.#forbiddenFor.set(name, { times, message });
    return this;
  }

  /** The requests made, as "METHOD path". */
  calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  client(): KubeClient {
    const answer = (spec: RequestSpec) => Promise.resolve().then(() => this.#answer(spec));
    const fake = {
      json: answer,
      text: async (spec: RequestSpec) => JSON.stringify(await answer(spec)),
    };
    return fake as unknown as KubeClient;
  }

  #answer(spec: RequestSpec): unknown {
    const method = spec.method ?? 'GET';
    this.requests.push({ method, path: spec.path, body: spec.body });
    if (method === 'GET') {
      const found = this.objects.get(spec.path);
      if (found === undefined) throw new KubeApiError('NOT_FOUND', `${spec.path} not found`, 404, 'NotFound');
      return found;
    }
    if (method !== 'POST') return {};
    const object = spec.body as KubeObject;
    const refused = this.#refused.get(object.metadata.name);
    if (refused !== undefined) throw new KubeApiError('OPERATION_FAILED', refused, 500, 'InternalError');
    const forbidden = this.#forbiddenFor.get(object.metadata.name);
    if (forbidden !== undefined && forbidden.times > 0) {
      forbidden.times--;
      throw new KubeApiError('FORBIDDEN', forbidden.message, 403, 'Forbidden');
    }
    const path = `${spec.path}/${object.metadata.name}`;
    if (this.objects.has(path)) throw new KubeApiError('CONFLICT', `${path} exists`, 409, 'AlreadyExists');
    this.objects.set(path, object);
    return object;
  }
}

/** Restore options for restore r1 of backup b1, nothing mapped (unless overridden). */
export function prepareContext(overrides: Partial<PrepareContext> = {}): PrepareContext {
  return {
    restoreName: 'r1',
    backupName: 'b1',
    namespaceMapping: new Map(),
    storageClassMapping: new Map(),
    preserveNodePorts: false,
    serviceAccountsIn: () => new Set(),
    pvsToProvision: new Set(),
    volumes: NO_VOLUME_EVIDENCE,
    restoresStatus: () => false,
    ...overrides,
  };
}

/** A config map as backed up (with what the source cluster set). */
export function backedUpConfigMap(name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'app', uid: `uid-${name}`, resourceVersion: '7' },
    data,
  };
}

/** The planned restore of config map `name` in namespace app. */
export function plannedConfigMap(name: string): PlannedItem {
  return {
    groupResource: 'configmaps',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: 'app',
    targetNamespace: 'app',
    name,
    path: `resources/configmaps/namespaces/app/${name}.json`,
    action: 'create',
  };
}

/** An apply context reading items from `backup` (by path) into the fake target. */
export function applyContext(
  target: FakeTarget,
  backup: ReadonlyMap<string, KubeObject>,
  policy: 'none' | 'update',
): ApplyContext {
  return {
    client: target.client(),
    prepared: preparedFrom(backup),
    policy,
    results: new RestoreResults(),
    logger: silentLogger(),
    readItem: (path) => {
      const item = backup.get(path);
      return item === undefined
        ? Promise.reject(new Error(`${path} not in the backup`))
        : Promise.resolve(structuredClone(item));
    },
  };
}

/**
 * The backup's items prepared as the inventory would (for namespace `app`, nothing mapped), for
 * tests of the restorer and apply-item: each is prepared here, once, when first read.
 */
export function preparedFrom(
  backup: ReadonlyMap<string, KubeObject>,
  context: PrepareContext = prepareContext(),
): PreparedInMemory {
  const prepared = new PreparedInMemory();
  for (const [path, item] of backup) {
    const p = prepareItem(structuredClone(item), groupResourceOf(path), item.metadata.namespace, context);
    if (p.skip === undefined) void prepared.keep(path, p);
  }
  return prepared;
}

/** `resources/<group-resource>/…` → the group-resource. */
function groupResourceOf(path: string): string {
  return path.split('/')[1] ?? '';
}
