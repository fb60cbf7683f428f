import type { ItemRef } from './backup-action.ts';
import { child, records, str, type RestoreItemAction } from './restore-action.ts';

/**
 * Restore actions for storage, RBAC and API extension objects (spec/velero-format.md §5.7):
 * velero.io/pvc, velero.io/change-storage-class, velero.io/role-bindings,
 * velero.io/cluster-role-bindings, velero.io/crd-preserve-fields, velero.io/apiservice,
 * velero.io/admission-webhook-configuration. They change the item in place.
 */

const PVC_ANNOTATIONS_DROPPED = [
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.kubernetes.io/storage-provisioner',
  'volume.beta.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/selected-node',
  'velero.io/volume-snapshot-name',
  'velero.io/data-upload-name',
];

/** PVC: binding and provisioning annotations go; a PVC that was Bound brings its PV along. */
export const pvcRestoreAction: RestoreItemAction = {
  name: 'velero.io/pvc',
  appliesTo: ['persistentvolumeclaims'],
  execute(item, _context, fromBackup) {
    const annotations = item.metadata.annotations;
    if (annotations) for (const key of PVC_ANNOTATIONS_DROPPED) delete annotations[key];
    const additionalItems: ItemRef[] = [];
    const volumeName = str(child(fromBackup, 'spec'), 'volumeName');
    if (volumeName && str(child(fromBackup, 'status'), 'phase') === 'Bound') {
      additionalItems.push({ groupResource: 'persistentvolumes', name: volumeName });
    }
    return { item, additionalItems };
  },
};

const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

/** --storage-class-mappings old:new on PVCs, PVs and StatefulSet volume claim templates. */
export const changeStorageClassAction: RestoreItemAction = {
  name: 'velero.io/change-storage-class',
  appliesTo: ['persistentvolumeclaims', 'persistentvolumes', 'statefulsets.apps'],
  execute(item, context) {
    const mapping = context.storageClassMapping;
    const remap = (spec: Record<string, unknown> | undefined, annotations?: Record<string, string>) => {
      const current = str(spec, 'storageClassName');
      const mapped = current === undefined ? undefined : mapping.get(current);
      if (spec && mapped !== undefined) spec['storageClassName'] = mapped;
      const beta = annotations?.[BETA_STORAGE_CLASS];
      const mappedBeta = beta === undefined ? undefined : mapping.get(beta);
      if (annotations && mappedBeta !== undefined) annotations[BETA_STORAGE_CLASS] = mappedBeta;
    };
    if (item.kind === 'StatefulSet') {
      for (const t of records(child(item, 'spec'), 'volumeClaimTemplates')) {
        const meta = child(t, 'metadata') as { annotations?: Record<string, string> } | undefined;
        remap(child(t, 'spec'), meta?.annotations);
      }
    } else remap(child(item, 'spec'), item.metadata.annotations);
    return { item };
  },
};

function remapSubjects(
  item: Parameters<RestoreItemAction['execute']>[0],
  mapping: ReadonlyMap<string, string>,
) {
  for (const subject of records(item, 'subjects')) {
    const ns = str(subject, 'namespace');
    const mapped = ns === undefined ? undefined : mapping.get(ns);
    if (mapped !== undefined) subject['namespace'] = mapped;
  }
}

export const roleBindingRestoreAction: RestoreItemAction = {
  name: 'velero.io/role-bindings',
  appliesTo: ['rolebindings.rbac.authorization.k8s.io'],
  execute(item, context) {
    remapSubjects(item, context.namespaceMapping);
    return { item };
  },
};

export const clusterRoleBindingRestoreAction: RestoreItemAction = {
  name: 'velero.io/cluster-role-bindings',
  appliesTo: ['clusterrolebindings.rbac.authorization.k8s.io'],
  execute(item, context) {
    remapSubjects(item, context.namespaceMapping);
    return { item };
  },
};

/** v1 CRD with preserveUnknownFields: true → false, with x-kubernetes-preserve-unknown-fields on each schema. */
export const crdPreserveFieldsAction: RestoreItemAction = {
  name: 'velero.io/crd-preserve-fields',
  appliesTo: ['customresourcedefinitions.apiextensions.k8s.io'],
  execute(item) {
    const spec = child(item, 'spec');
    if (item.apiVersion !== 'apiextensions.k8s.io/v1' || spec?.['preserveUnknownFields'] !== true)
      return { item };
    spec['preserveUnknownFields'] = false;
    for (const version of records(spec, 'versions')) {
      const schema = child(child(version, 'schema'), 'openAPIV3Schema');
      if (schema) schema['x-kubernetes-preserve-unknown-fields'] = true;
    }
    return { item };
  },
};

/** APIServices the aggregator manages itself are never restored. */
export const apiServiceRestoreAction: RestoreItemAction = {
  name: 'velero.io/apiservice',
  appliesTo: ['apiservices.apiregistration.k8s.io'],
  execute(item) {
    if (item.metadata.labels?.['kube-aggregator.kubernetes.io/automanaged'] !== undefined) {
      return { item, skip: 'APIService managed by the API aggregator: the target cluster makes its own' };
    }
    return { item };
  },
};

/** Webhooks whose sideEffects v1 does not accept get sideEffects: None. */
export const admissionWebhookRestoreAction: RestoreItemAction = {
  name: 'velero.io/admission-webhook-configuration',
  appliesTo: [
    'mutatingwebhookconfigurations.admissionregistration.k8s.io',
    'validatingwebhookconfigurations.admissionregistration.k8s.io',
  ],
  execute(item) {
    if (item.apiVersion !== 'admissionregistration.k8s.io/v1') return { item };
    for (const webhook of records(item, 'webhooks')) {
      const effects = str(webhook, 'sideEffects');
      if (effects !== 'None' && effects !== 'NoneOnDryRun') webhook['sideEffects'] = 'None';
    }
    return { item };
  },
};
