import type { ResultMessages, ResultsFile } from '../model/velero.ts';
import { nullObject } from '../model/dictionary.ts';

/** Per-item warnings and errors, kept the way Velero's results files hold them. */
export class ResultsCollector {
  readonly errors: ResultMessages = {};
  readonly warnings: ResultMessages = {};
  errorCount = 0;
  warningCount = 0;

  error(entry: ResultEntry): void {
    this.errorCount++;
    add(this.errors, entry);
  }

  warning(entry: ResultEntry): void {
    this.warningCount++;
    add(this.warnings, entry);
  }

  toFile(): ResultsFile {
    return { errors: this.errors, warnings: this.warnings };
  }
}

export interface ResultEntry {
  /** Namespace of the item, if any: the message goes under namespaces[ns]. */
  namespace?: string | undefined;
  /** For cluster-scoped items: the message goes under `cluster`; otherwise under `velero`. */
  cluster?: boolean;
  resource?: string;
  name?: string;
  message: string;
  error?: string;
}

/** Velero's message form: " resource: /<r> name: /<n> message: /<m> error: /<e>", parts only when present. */
export function formatResultMessage(e: ResultEntry): string {
  let out = '';
  if (e.resource !== undefined) out += ` resource: /${e.resource}`;
  if (e.name !== undefined) out += ` name: /${e.name}`;
  out += ` message: /${e.message}`;
  if (e.error !== undefined) out += ` error: /${e.error}`;
  return out;
}

function add(target: ResultMessages, entry: ResultEntry): void {
  const text = formatResultMessage(entry);
  if (entry.namespace !== undefined && entry.namespace !== '') {
    target.namespaces ??= nullObject();
    (target.namespaces[entry.namespace] ??= []).push(text);
  } else if (entry.cluster === true) {
    (target.cluster ??= []).push(text);
  } else {
    (target.velero ??= []).push(text);
  }
}
