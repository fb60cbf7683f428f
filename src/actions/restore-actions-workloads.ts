import type { KubeObject } from '../model/index.ts';
import type { ItemRef } from './backup-action.ts';
import { child, isRecord, records, str, type JsonRecord, type RestoreItemAction } from './restore-action.ts';

/**
 * Restore actions for workloads (spec/velero-format.md §5.7): velero.io/pod, velero.io/job,
 * velero.io/service, velero.io/service-account, velero.io/secret. They change the item in place.
 */

/** Pod: unscheduled, no priority value, no legacy SA token volumes; its PriorityClass and PVCs come first. */
export const podRestoreAction: RestoreItemAction = {
  name: 'velero.io/pod',
  appliesTo: ['pods'],
  execute(item) {
    const spec = child(item, 'spec') ?? {};
    spec['nodeName'] = '';
    delete spec['priority'];
    const prefix = `${str(spec, 'serviceAccountName') ?? ''}-token-`;
    const keep = (v: JsonRecord) => !(str(v, 'name') ?? '').startsWith(prefix);
    if (Array.isArray(spec['volumes'])) spec['volumes'] = records(spec, 'volumes').filter(keep);
    for (const key of ['containers', 'initContainers']) {
      for (const c of records(spec, key)) {
        if (Array.isArray(c['volumeMounts'])) c['volumeMounts'] = records(c, 'volumeMounts').filter(keep);
      }
    }
    const additionalItems: ItemRef[] = [];
    const priorityClass = str(spec, 'priorityClassName');
    if (priorityClass)
      additionalItems.push({ groupResource: 'priorityclasses.scheduling.k8s.io', name: priorityClass });
    const ns = item.metadata.namespace;
    for (const v of records(spec, 'volumes')) {
      const claim = str(child(v, 'persistentVolumeClaim'), 'claimName');
      if (claim)
        additionalItems.push({ groupResource: 'persistentvolumeclaims', namespace: ns, name: claim });
    }
    return { item, additionalItems };
  },
};

const CONTROLLER_UID_LABELS = ['batch.kubernetes.io/controller-uid', 'controller-uid'];

/** Job: the controller-uid labels the old Job's controller generated would clash with the new Job. */
export const jobRestoreAction: RestoreItemAction = {
  name: 'velero.io/job',
  appliesTo: ['jobs.batch'],
  execute(item) {
    const spec = child(item, 'spec');
    const matchLabels = child(child(spec, 'selector'), 'matchLabels');
    const templateLabels = child(child(child(spec, 'template'), 'metadata'), 'labels');
    for (const key of CONTROLLER_UID_LABELS) {
      if (matchLabels) delete matchLabels[key];
      if (templateLabels) delete templateLabels[key];
    }
    return { item };
  },
};

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Service: a new cluster IP; node ports the API server assigned are dropped unless --preserve-nodeports. */
export const serviceRestoreAction: RestoreItemAction = {
  name: 'velero.io/service',
  appliesTo: ['services'],
  execute(item, context) {
    const spec = child(item, 'spec');
    if (!spec) return { item };
    if (str(spec, 'clusterIP') !== 'None') {
      delete spec['clusterIP'];
      delete spec['clusterIPs'];
    }
    if (context.preserveNodePorts || str(spec, 'type') === 'ExternalName') return { item };
    const explicit = explicitNodePorts(item);
    for (const port of records(spec, 'ports')) {
      if (!explicit.keeps(port)) delete port['nodePort'];
    }
    const lbLocal = str(spec, 'type') === 'LoadBalancer' && str(spec, 'externalTrafficPolicy') === 'Local';
    if (lbLocal && !explicit.healthCheck) delete spec['healthCheckNodePort'];
    return { item };
  },
};

interface ExplicitPorts {
  keeps(port: JsonRecord): boolean;
  healthCheck: boolean;
}

/**
 * Node ports the user set: from kubectl's last-applied configuration when present (by port name,
 * or by value for unnamed ports), else those some manager owns in managedFields (server-side apply).
 */
function explicitNodePorts(item: KubeObject): ExplicitPorts {
  const applied = item.metadata.annotations?.[LAST_APPLIED];
  const fromManaged = managedNodePorts(item);
  if (applied === undefined)
    return { keeps: (p) => fromManaged.ports.has(portKey(p)), healthCheck: fromManaged.healthCheck };
  let spec: JsonRecord | undefined;
  try {
    spec = child(JSON.parse(applied) as unknown, 'spec');
  } catch {
    spec = undefined;
  }
  const names = new Set<string>();
  const unnamed = new Set<number>();
  for (const p of records(spec, 'ports')) {
    const nodePort = Number(p['nodePort'] ?? 0);
    if (!(nodePort > 0)) continue;
    const name = str(p, 'name');
    if (name !== undefined) names.add(name);
    else unnamed.add(nodePort);
  }
  const healthCheck = Number(spec?.['healthCheckNodePort'] ?? 0) > 0 || fromManaged.healthCheck;
  return {
    keeps: (p) => {
      const name = str(p, 'name');
      return name ? names.has(name) : unnamed.has(Number(p['nodePort'] ?? 0));
    },
    healthCheck,
  };
}

function portKey(port: JsonRecord): string {
  return `k:{"port":${String(port['port'])},"protocol":"${str(port, 'protocol') ?? 'TCP'}"}`;
}

function managedNodePorts(item: KubeObject): { ports: Set<string>; healthCheck: boolean } {
  const ports = new Set<string>();
  let healthCheck = false;
  const managed = item.metadata['managedFields'];
  for (const entry of Array.isArray(managed) ? managed : []) {
    const spec = child(child(entry, 'fieldsV1'), 'f:spec');
    if (!spec) continue;
    if (child(spec, 'f:healthCheckNodePort')) healthCheck = true;
    for (const [key, value] of Object.entries(child(spec, 'f:ports') ?? {})) {
      if (isRecord(value) && Object.hasOwn(value, 'f:nodePort')) ports.add(key);
    }
  }
  return { ports, healthCheck };
}

/** ServiceAccount: the first `<sa>-token-*` secret reference is dropped; the cluster makes its own. */
export const serviceAccountRestoreAction: RestoreItemAction = {
  name: 'velero.io/service-account',
  appliesTo: ['serviceaccounts'],
  execute(item) {
    const secrets = item['secrets'];
    if (!Array.isArray(secrets)) return { item };
    const prefix = `${item.metadata.name}-token-`;
    const index = secrets.findIndex((s) => (str(s, 'name') ?? '').startsWith(prefix));
    if (index >= 0) item['secrets'] = secrets.filter((_, i) => i !== index);
    return { item };
  },
};

/** Secret: auto-generated SA token secrets are skipped; other token secrets lose what the cluster fills in. */
export const secretRestoreAction: RestoreItemAction = {
  name: 'velero.io/secret',
  appliesTo: ['secrets'],
  execute(item, context) {
    if (item['type'] !== 'kubernetes.io/service-account-token') return { item };
    const ns = item.metadata.namespace ?? '';
    for (const sa of context.serviceAccountsIn(ns)) {
      if (item.metadata.name.startsWith(`${sa}-token-`)) {
        return {
          item,
          skip: `auto-generated token secret of ServiceAccount ${sa}: the cluster creates its own`,
        };
      }
    }
    if (item.metadata.annotations) delete item.metadata.annotations['kubernetes.io/service-account.uid'];
    const data = child(item, 'data');
    if (data) {
      delete data['token'];
      delete data['ca.crt'];
    }
    return { item };
  },
};
