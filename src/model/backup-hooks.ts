import * as z from 'zod';
import { dictionarySchema } from './dictionary-schema.ts';

/**
 * Velero's BackupSpec.Hooks (pkg/apis/velero/v1/backup_types.go): hooks a backup spec runs on the pods
 * it backs up, chosen by namespace, resource and label selector. A pod's hook annotations take
 * precedence over them, phase by phase (internal/hook/item_hook_handler.go).
 */
export type HookErrorMode = 'Continue' | 'Fail';

/** ExecHook: a command run through pods/exec in a container of the pod. */
export interface ExecHookSpec {
  /** The pod's first container when empty. */
  container?: string | undefined;
  command: string[];
  /** Fail when empty, as pkg/podexec defaults it. */
  onError?: HookErrorMode | undefined;
  /** Go duration; 30s when empty or zero (pkg/podexec's default). */
  timeout?: string | undefined;
}

/** BackupResourceHookSpec: one named set of pre and post hooks and the pods they apply to. */
export interface BackupResourceHookSpec {
  name: string;
  includedNamespaces?: string[] | undefined;
  excludedNamespaces?: string[] | undefined;
  includedResources?: string[] | undefined;
  excludedResources?: string[] | undefined;
  /** metav1.LabelSelector. */
  labelSelector?: HookLabelSelector | undefined;
  pre?: { exec: ExecHookSpec }[] | undefined;
  post?: { exec: ExecHookSpec }[] | undefined;
}

export type HookLabelSelector = {
  matchLabels?: Record<string, string> | undefined;
  matchExpressions?: { key: string; operator: string; values?: string[] | undefined }[] | undefined;
};

/** BackupHooks: spec.hooks of a Backup (and of a Schedule's template). */
export interface BackupHooksSpec {
  resources?: BackupResourceHookSpec[] | undefined;
}

/** Bounds on what a backup spec may ask of hooks (the request is checked against them). */
export const HOOK_LIMITS = {
  resourceHooks: 100,
  hooksPerPhase: 100,
  commandArgs: 1_024,
  commandChars: 64 * 1024,
} as const;

/**
 * spec.hooks as a stored velero-backup.json holds it, read leniently: a backup whose hooks cannot be
 * read is still a backup (the field reads as absent), so this never makes a backup unreadable.
 */
export function storedHooksSchema() {
  const exec = z
    .object({
      container: z.string().optional(),
      command: z.array(z.string()).nullable().optional(),
      onError: z.string().optional(),
      timeout: z.string().optional(),
    })
    .loose();
  const hook = z.object({ exec: exec.nullable().optional() }).loose();
  const names = z.array(z.string()).nullable().optional();
  const resource = z
    .object({
      name: z.string().optional(),
      includedNamespaces: names,
      excludedNamespaces: names,
      includedResources: names,
      excludedResources: names,
      labelSelector: z
        .object({
          matchLabels: dictionarySchema(z.string()).optional(),
          matchExpressions: z
            .array(z.object({ key: z.string(), operator: z.string(), values: names }).loose())
            .optional(),
        })
        .loose()
        .nullable()
        .optional(),
      pre: z.array(hook).nullable().optional(),
      post: z.array(hook).nullable().optional(),
    })
    .loose();
  return z
    .object({ resources: z.array(resource).nullable().optional() })
    .loose()
    .optional()
    .catch(undefined);
}
