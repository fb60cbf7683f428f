import * as z from 'zod';
import {
  dictionarySchema,
  type ExecHookSpec,
  HOOK_LIMITS,
  type HookErrorMode,
  nullObject,
} from '../model/index.ts';
import { parseSignedDurationNs } from '../gojson/index.ts';

/**
 * Velero's backup exec hooks on pods (internal/hook/item_hook_handler.go, pkg/podexec): the
 * annotations `pre.hook.backup.velero.io/{container,command,on-error,timeout}` and the same with
 * `post.`; the un-prefixed keys are the legacy form of the pre hook, read only when no `pre.` command
 * is set. A hook exists when its command annotation is not empty. Pre hooks run before the pod's
 * volumes are backed up, post hooks once they have ended. The backup spec's resource hooks
 * (specExecHook) run on a pod for a phase only when its annotations set no hook for that phase.
 */
export type HookPhase = 'pre' | 'post';

export const BACKUP_HOOK_KEY = 'hook.backup.velero.io';
const KEYS = {
  container: `${BACKUP_HOOK_KEY}/container`,
  command: `${BACKUP_HOOK_KEY}/command`,
  onError: `${BACKUP_HOOK_KEY}/on-error`,
  timeout: `${BACKUP_HOOK_KEY}/timeout`,
} as const;

/** pkg/podexec's default. */
export const DEFAULT_HOOK_TIMEOUT_MS = 30_000;
/**
 * Velero runs a hook with a zero or negative timeout without any limit; lifeboat bounds every hook
 * (the default pod volume timeout), so a hung command cannot hold a backup for ever.
 */
export const MAX_HOOK_TIMEOUT_MS = 4 * 3_600_000;
/** Bounds on what an annotation may ask for: the API server allows 256 KiB of annotations. */
const MAX_COMMAND_ARGS = HOOK_LIMITS.commandArgs;
const MAX_COMMAND_CHARS = HOOK_LIMITS.commandChars;

export interface ExecHook {
  phase: HookPhase;
  /** Where it comes from: the pod's annotations, or a resource hook of the backup spec (its name). */
  source: 'annotation' | 'spec';
  /** The resource hook's name (spec), or `<from-annotation>` as Velero names annotation hooks. */
  name: string;
  /** The container it runs in: the annotation's, or the pod's first container. */
  container: string;
  command: string[];
  onError: HookErrorMode;
  timeoutMs: number;
  /**
   * Why the hook cannot run at all (no such container, a command over the bounds): it counts as a
   * failed hook, as Velero's executor returns these as errors.
   */
  invalid?: string;
}

export interface PodHooks {
  namespace: string;
  name: string;
  /** Velero skips hooks of a pod that has Succeeded or Failed (it logs and counts them as run). */
  finished: boolean;
  /** What a resource hook of the backup spec is matched against. */
  labels: Readonly<Record<string, string>>;
  containers: readonly string[];
  /** Each phase's hooks, run in order: the annotation's one, else the matching spec hooks. */
  pre: ExecHook[];
  post: ExecHook[];
  /** What was read with a fallback (a timeout that does not parse): warnings, as Velero logs them. */
  notes: string[];
}

function podSchema() {
  return z
    .object({
      metadata: z
        .object({
          name: z.string().max(253),
          namespace: z.string().max(63),
          labels: dictionarySchema(z.string()).optional(),
          annotations: dictionarySchema(z.string()).optional(),
        })
        .loose(),
      spec: z
        .object({ containers: z.array(z.object({ name: z.string().max(253) }).loose()).max(1_000) })
        .loose(),
      status: z
        .object({ phase: z.string().max(64).optional() })
        .loose()
        .optional(),
    })
    .loose();
}
let schema: ReturnType<typeof podSchema> | undefined;

/** The pre and post hooks a pod's annotations ask for (none from the spec yet); throws when it is not a pod. */
export function podBackupHooks(item: unknown): PodHooks {
  schema ??= podSchema();
  const pod = schema.parse(item);
  const annotations = pod.metadata.annotations ?? {};
  const containers = pod.spec.containers.map((c) => c.name);
  const phase = pod.status?.phase;
  const hooks: PodHooks = {
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    finished: phase === 'Succeeded' || phase === 'Failed',
    labels: pod.metadata.labels ?? nullObject(),
    containers,
    pre: [],
    post: [],
    notes: [],
  };
  const pre =
    hookFromAnnotations(annotations, 'pre', 'pre', containers, hooks.notes) ??
    hookFromAnnotations(annotations, '', 'pre', containers, hooks.notes);
  const post = hookFromAnnotations(annotations, 'post', 'post', containers, hooks.notes);
  if (pre !== undefined) hooks.pre.push(pre);
  if (post !== undefined) hooks.post.push(post);
  return hooks;
}

function hookFromAnnotations(
  annotations: Readonly<Record<string, string>>,
  prefix: 'pre' | 'post' | '',
  phase: HookPhase,
  containers: readonly string[],
  notes: string[],
): ExecHook | undefined {
  const key = (k: string) => (prefix === '' ? k : `${prefix}.${k}`);
  const commandText = annotations[key(KEYS.command)] ?? '';
  if (commandText === '') return undefined;
  const named = annotations[key(KEYS.container)] ?? '';
  const onErrorText = annotations[key(KEYS.onError)];
  const hook: ExecHook = {
    phase,
    source: 'annotation',
    name: '<from-annotation>',
    container: named === '' ? (containers[0] ?? '') : named,
    command: parseHookCommand(commandText),
    // An unknown mode is Fail, as pkg/podexec defaults it.
    onError: onErrorText === 'Continue' ? 'Continue' : 'Fail',
    timeoutMs: hookTimeout(annotations[key(KEYS.timeout)], key(KEYS.timeout), notes),
  };
  const invalid = invalidReason(hook, named, containers, commandText.length);
  if (invalid !== undefined) hook.invalid = invalid;
  return hook;
}

/**
 * A resource hook of the backup spec for one pod, with pkg/podexec's defaults: the pod's first
 * container, on-error Fail, a 30s timeout when none or zero is given. Notes say what was bounded.
 */
export function specExecHook(
  spec: ExecHookSpec,
  name: string,
  phase: HookPhase,
  containers: readonly string[],
  notes: string[],
): ExecHook {
  const named = spec.container ?? '';
  const hook: ExecHook = {
    phase,
    source: 'spec',
    name,
    container: named === '' ? (containers[0] ?? '') : named,
    command: spec.command,
    onError: spec.onError === 'Continue' ? 'Continue' : 'Fail',
    timeoutMs: hookTimeout(spec.timeout, `timeout of ${phase} hook ${JSON.stringify(name)}`, notes),
  };
  const chars = spec.command.reduce((n, a) => n + a.length, 0);
  const invalid =
    spec.command.length === 0 ? 'command is required' : invalidReason(hook, named, containers, chars);
  if (invalid !== undefined) hook.invalid = invalid;
  return hook;
}

function invalidReason(
  hook: ExecHook,
  named: string,
  containers: readonly string[],
  commandChars: number,
): string | undefined {
  if (named === '' && containers.length === 0) return 'need at least 1 container';
  if (named !== '' && !containers.includes(named)) return `no such container: ${JSON.stringify(named)}`;
  if (commandChars > MAX_COMMAND_CHARS)
    return `the command is ${commandChars} characters; lifeboat runs at most ${MAX_COMMAND_CHARS}`;
  if (hook.command.length > MAX_COMMAND_ARGS)
    return `the command has ${hook.command.length} arguments; lifeboat runs at most ${MAX_COMMAND_ARGS}`;
  return undefined;
}

/**
 * Velero's parseStringToCommand: a value starting with `[` is a JSON array of strings; one that is
 * not valid as such (or any other value) is a one-element command. Hooks do not run in a shell.
 */
export function parseHookCommand(text: string): string[] {
  if (!text.startsWith('[')) return [text];
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((a): a is string => typeof a === 'string')) return parsed;
  } catch {
    // Go's json.Unmarshal failing: Velero keeps the whole value as the command.
  }
  return [text];
}

function hookTimeout(text: string | undefined, key: string, notes: string[]): number {
  if (text === undefined || text === '') return DEFAULT_HOOK_TIMEOUT_MS;
  let ms: number;
  try {
    // Go's time.ParseDuration accepts a sign; a negative timeout means none in Velero.
    ms = Number(parseSignedDurationNs(text, key)) / 1e6;
  } catch (err) {
    notes.push(`${(err as Error).message}: the default ${DEFAULT_HOOK_TIMEOUT_MS / 1000}s is used`);
    return DEFAULT_HOOK_TIMEOUT_MS;
  }
  if (ms === 0) return DEFAULT_HOOK_TIMEOUT_MS;
  if (ms < 0 || ms > MAX_HOOK_TIMEOUT_MS) {
    notes.push(`${key} ${JSON.stringify(text)} is bounded to ${MAX_HOOK_TIMEOUT_MS / 3_600_000}h`);
    return MAX_HOOK_TIMEOUT_MS;
  }
  return ms;
}

/** A hook as logs and results name it: its phase, container and command. */
export function describeHook(hook: ExecHook): string {
  const command = JSON.stringify(hook.command);
  const shown = command.length > 200 ? `${command.slice(0, 200)}…` : command;
  const name = hook.source === 'spec' ? ` ${JSON.stringify(hook.name)}` : '';
  return `${hook.phase} hook${name} ${shown} in container ${hook.container || '<none>'}`;
}
