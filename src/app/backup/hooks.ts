import {
  execInPod,
  type ExecOptions,
  type ExecResult,
  type ExecTarget,
  type KubeClient,
} from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import {
  isFinalPodVolumePhase,
  type KubeObject,
  POD_VOLUME_BACKUP_RESOURCE,
  PodVolumeLabels,
} from '../../model/index.ts';
import { itemMessage, type ResultsCollector } from '../../results/index.ts';
import {
  BACKUP_HOOK_KEY,
  describeHook,
  type ExecHook,
  type HookPhase,
  podBackupHooks,
  type PodHooks,
  specExecHook,
} from '../../podvolumes/index.ts';
import { failureMessage, listWork } from '../agent-work/index.ts';
import { hasSpecHooks, type ResourceHookRule, specHooksFor } from './spec-hooks.ts';

/** What one hook did, for the log, the results and the counts velero-backup.json records. */
export interface HookRun {
  namespace: string;
  pod: string;
  hook: ExecHook;
  outcome: 'Succeeded' | 'Failed' | 'Skipped';
  error?: string;
}

const PHASES: readonly HookPhase[] = ['pre', 'post'];

export type PodExec = (target: ExecTarget, options: ExecOptions) => Promise<ExecResult>;

/**
 * Velero's backup exec hooks, run through the API server's pods/exec: a pod's pre hooks before its
 * volumes are handed to the agents, its post hooks once they have ended. For each phase, a hook the
 * pod's annotations set is the only one; without it, the backup spec's resource hooks that match the
 * pod run in the spec's order (internal/hook/item_hook_handler.go). As Velero, a failing hook is an
 * error of the backup whatever its on-error mode (Velero logs "Error executing hook" at error level,
 * which makes the backup PartiallyFailed); with `Fail`, the phase's later hooks do not run (they count
 * as attempted, not failed), and a failed pre hook keeps the pod's volumes out of the backup and its
 * post hooks from running. Hooks of a pod that has Succeeded or Failed are skipped, and count as
 * attempted, not failed.
 */
export class BackupHookRunner {
  readonly #exec: PodExec;
  readonly #logger: Logger;
  readonly runs: HookRun[] = [];
  readonly #notes: { namespace: string; pod: string; text: string }[] = [];
  readonly #rules: readonly ResourceHookRule[];

  constructor(client: KubeClient, logger: Logger, exec?: PodExec, rules: readonly ResourceHookRule[] = []) {
    this.#exec = exec ?? ((target, options) => execInPod(client, target, options));
    this.#logger = logger;
    this.#rules = hasSpecHooks(rules) ? rules : [];
  }

  /** Whether the backup spec has resource hooks: then every stored pod is read for hooks. */
  get hasSpecHooks(): boolean {
    return this.#rules.length > 0;
  }

  /** The hooks of a stored pod, or undefined when it gets none (or cannot be read as a pod). */
  read(item: KubeObject): PodHooks | undefined {
    const annotations = item.metadata.annotations ?? {};
    if (!this.hasSpecHooks && !Object.keys(annotations).some((k) => k.includes(BACKUP_HOOK_KEY)))
      return undefined;
    let hooks: PodHooks;
    try {
      hooks = podBackupHooks(item);
    } catch (err) {
      const text = `the pod's backup hooks could not be read: ${failureMessage(err)}`;
      this.#note(item.metadata.namespace ?? '', item.metadata.name, text);
      return undefined;
    }
    // The spec's hooks of a phase apply only when the annotations set none for it.
    for (const phase of PHASES)
      if (hooks[phase].length === 0)
        for (const { name, exec } of specHooksFor(this.#rules, hooks.namespace, hooks.labels, phase))
          hooks[phase].push(specExecHook(exec, name, phase, hooks.containers, hooks.notes));
    for (const text of hooks.notes) this.#note(hooks.namespace, hooks.name, text);
    return hooks.pre.length === 0 && hooks.post.length === 0 ? undefined : hooks;
  }

  /** Runs one phase's hooks of a pod in order; false when one failed with on-error Fail. */
  async run(hooks: PodHooks, phase: HookPhase): Promise<boolean> {
    let stopped = false;
    for (const hook of hooks[phase]) {
      const fields = {
        namespace: hooks.namespace,
        pod: hooks.name,
        hookPhase: phase,
        hookSource: hook.source,
        hookName: hook.name,
        hookContainer: hook.container,
      };
      const skipped = hooks.finished ? 'the pod has finished' : stopped ? 'an earlier hook failed' : '';
      if (skipped !== '') {
        this.#logger.info(fields, `${describeHook(hook)} skipped: ${skipped}`);
        this.runs.push({ namespace: hooks.namespace, pod: hooks.name, hook, outcome: 'Skipped' });
        continue;
      }
      const error = await this.#attempt(hooks, hook);
      const run: HookRun = { namespace: hooks.namespace, pod: hooks.name, hook, outcome: 'Succeeded' };
      if (error !== undefined) {
        run.outcome = 'Failed';
        run.error = error;
        this.#logger.error({ ...fields, error }, `${describeHook(hook)} failed (on-error ${hook.onError})`);
        if (hook.onError === 'Fail') stopped = true;
      } else this.#logger.info(fields, `${describeHook(hook)} succeeded`);
      this.runs.push(run);
    }
    return !stopped;
  }

  async #attempt(hooks: PodHooks, hook: ExecHook): Promise<string | undefined> {
    if (hook.invalid !== undefined) return hook.invalid;
    try {
      const result = await this.#exec(
        { namespace: hooks.namespace, pod: hooks.name, container: hook.container, command: hook.command },
        { timeoutMs: hook.timeoutMs, outputBytes: 1024 },
      );
      if (result.exitCode === 0) return undefined;
      const stderr = printable(result.stderr).slice(-300);
      return `command terminated with exit code ${result.exitCode}${stderr === '' ? '' : `: ${stderr}`}`;
    } catch (err) {
      return failureMessage(err);
    }
  }

  get attempted(): number {
    return this.runs.length;
  }

  get failed(): number {
    return this.runs.filter((r) => r.outcome === 'Failed').length;
  }

  /** The backup's results: an error per failed hook, a warning per annotation read with a fallback. */
  report(results: ResultsCollector): void {
    for (const note of this.#notes)
      results.warning(
        itemMessage({ namespace: note.namespace, resource: 'pods', name: note.pod, message: note.text }),
      );
    for (const run of this.runs) {
      if (run.outcome !== 'Failed') continue;
      const kept =
        run.hook.phase === 'pre' && run.hook.onError === 'Fail'
          ? ": the pod's volumes were not backed up and its post hooks did not run"
          : '';
      results.error(
        itemMessage({
          namespace: run.namespace,
          resource: 'pods',
          name: run.pod,
          message: `Error executing hook: ${describeHook(run.hook)} failed (on-error ${run.hook.onError})${kept}`,
          ...(run.error === undefined ? {} : { error: run.error }),
        }),
      );
    }
  }

  #note(namespace: string, pod: string, text: string) {
    this.#logger.warn({ namespace, pod }, text);
    this.#notes.push({ namespace, pod, text });
  }
}

/** Output of a command, as one line of printable text. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this takes out
  return text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

/**
 * Resolves once every named PodVolumeBackup of the backup has ended (or is gone from the list), or
 * once `done` resolves (the backup's own wait has decided them all): a pod's post hook waits for its
 * volumes only. One LIST by the backup's UID label per look, however many volumes the pod has; a
 * LIST that fails is tried again at the next look.
 */
export async function podVolumesEnded(
  client: KubeClient,
  namespace: string,
  work: { backupUid: string; names: readonly string[] },
  done: Promise<void>,
  pollMs = 1_000,
): Promise<void> {
  let over = false;
  void done.then(() => {
    over = true;
  });
  const pending = new Set(work.names);
  const selector = `${PodVolumeLabels.backupUid}=${work.backupUid}`;
  while (pending.size > 0 && !over) {
    const phases = await listWork(client, namespace, POD_VOLUME_BACKUP_RESOURCE, selector)
      .then((items) => new Map(items.map(phaseByName)))
      .catch(() => undefined);
    if (phases !== undefined)
      for (const name of [...pending]) {
        const phase = phases.get(name);
        if (!phases.has(name) || isFinalPodVolumePhase(phase)) pending.delete(name);
      }
    if (pending.size > 0) await Promise.race([done, new Promise((r) => setTimeout(r, pollMs))]);
  }
}

/** A listed PodVolumeBackup's name and phase (as far as they can be read). */
function phaseByName(item: unknown): [string, string | undefined] {
  const pvb = item as { metadata?: { name?: unknown }; status?: { phase?: unknown } } | null;
  const name = pvb?.metadata?.name;
  const phase = pvb?.status?.phase;
  return [typeof name === 'string' ? name : '', typeof phase === 'string' ? phase : undefined];
}
