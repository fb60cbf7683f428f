import { nullObject, type ResultMessages, type ResultsFile } from '../model/index.ts';

/** Where a message goes in Velero's Result: `velero`, `cluster`, or `namespaces[namespace]`. */
export type ResultScope = 'velero' | 'cluster' | { namespace: string };

/** One message and where it goes. */
export interface ResultMessage {
  scope: ResultScope;
  text: string;
}

/**
 * Warnings and errors of a backup or a restore, kept the way Velero's results files hold them
 * (`{velero, cluster, namespaces}`, each key only once it holds a message).
 */
export class ResultsCollector {
  readonly #errors: ResultMessages = {};
  readonly #warnings: ResultMessages = {};
  #errorCount = 0;
  #warningCount = 0;

  error(message: ResultMessage): void {
    this.#errorCount++;
    add(this.#errors, message);
  }

  warning(message: ResultMessage): void {
    this.#warningCount++;
    add(this.#warnings, message);
  }

  get errorCount(): number {
    return this.#errorCount;
  }

  get warningCount(): number {
    return this.#warningCount;
  }

  /** The results file; the Go encoder sorts its keys, namespaces included. */
  toFile(): ResultsFile {
    return { errors: this.#errors, warnings: this.#warnings };
  }
}

function add(target: ResultMessages, { scope, text }: ResultMessage): void {
  if (scope === 'velero') (target.velero ??= []).push(text);
  else if (scope === 'cluster') (target.cluster ??= []).push(text);
  else {
    target.namespaces ??= nullObject();
    (target.namespaces[scope.namespace] ??= []).push(text);
  }
}

/** A message about an item of namespace ns, or about a cluster-scoped one (Velero's Result.Add). */
export function namespaceMessage(namespace: string | undefined, text: string): ResultMessage {
  return { scope: namespace === undefined || namespace === '' ? 'cluster' : { namespace }, text };
}

/** A message about the operation itself (Velero's Result.AddVeleroError). */
export function veleroMessage(text: string): ResultMessage {
  return { scope: 'velero', text };
}
