import { type FileHandle, open } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type * as z from 'zod';
import { LifeboatError } from '../errors/index.ts';
import type { BackupHooksSpec } from '../model/index.ts';
import { BackupHooksSchema } from './backup-hooks.ts';
import { MAX_ALIAS_COUNT, protoKeyPath, yamlDepthProblem } from './config-yaml.ts';

/** A hooks file is a few kilobytes; a larger one is refused unread. */
export const MAX_HOOKS_FILE_BYTES = 1024 * 1024;

const HINT =
  "give Velero's spec.hooks ({resources: [{name, includedNamespaces, labelSelector, pre: [{exec: {container, command: [...], onError: Fail, timeout: 30s}}]}]}) or a Velero Backup manifest, in YAML or JSON";

/**
 * The backup spec hooks of `--hooks-file FILE` (YAML or JSON): Velero's `spec.hooks` shape
 * (`{resources: [...]}`), or a whole Velero Backup manifest (its `spec.hooks`) or Schedule manifest
 * (its `spec.template.hooks`). Checked against BackupHooksSchema; every problem is a USAGE error that
 * names the file, the field and what is wrong.
 */
export async function readHooksFile(file: string, flag = '--hooks-file'): Promise<BackupHooksSpec> {
  const text = await readBounded(file, flag);
  return parseHooksText(text, `${flag} ${file}`);
}

/** Parses a hooks file's text; `source` names it in errors. */
export function parseHooksText(text: string, source: string): BackupHooksSpec {
  const tooDeep = yamlDepthProblem(text);
  if (tooDeep !== undefined) throw usage(`${source}: ${tooDeep}`);
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const offset = yamlError.pos[0];
    const where = ` (line ${text.slice(0, offset).split('\n').length})`;
    throw usage(`${source} is not valid YAML or JSON${where}: ${yamlError.message.split('\n')[0] ?? ''}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw usage(`${source}: ${(err as Error).message}`, err);
  }
  const proto = protoKeyPath(raw, []);
  if (proto !== undefined) throw usage(`${source}: ${proto}: the key __proto__ is not allowed`);
  const { hooks, path } = hooksOf(raw, source);
  return checkHooks(hooks, source, path);
}

/** Checks hooks given as data (a request's, the API's); a USAGE error names the first bad field. */
export function checkHooks(value: unknown, source: string, path: readonly string[] = []): BackupHooksSpec {
  const parsed = BackupHooksSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw usage(`${source}: ${issueText(parsed.error, path)}`);
}

/** Where the hooks are: the document itself, or a Velero manifest's spec. */
function hooksOf(raw: unknown, source: string): { hooks: unknown; path: string[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw usage(`${source}: expected a mapping (spec.hooks or a Velero Backup manifest)`);
  const doc = raw as Record<string, unknown>;
  if (!Object.hasOwn(doc, 'kind')) return { hooks: doc, path: [] };
  const spec = field(doc, 'spec');
  if (doc['kind'] === 'Backup')
    return { hooks: required(field(spec, 'hooks'), source, 'spec.hooks'), path: ['spec', 'hooks'] };
  if (doc['kind'] === 'Schedule')
    return {
      hooks: required(field(field(spec, 'template'), 'hooks'), source, 'spec.template.hooks'),
      path: ['spec', 'template', 'hooks'],
    };
  throw usage(`${source}: kind ${JSON.stringify(doc['kind'])} is not a Velero Backup or Schedule`);
}

function field(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
  return (value as Record<string, unknown>)[key];
}

function required(value: unknown, source: string, path: string): unknown {
  if (value === undefined || value === null) throw usage(`${source}: the manifest has no ${path}`);
  return value;
}

/** The first issue, as `resources[0].pre[1].exec.onError: onError is Continue or Fail`. */
function issueText(error: z.ZodError, prefix: readonly string[]): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'not valid';
  const parts = [...prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))];
  const path = parts.reduce((out, p) => (p.startsWith('[') || out === '' ? out + p : `${out}.${p}`), '');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
      : issue.message;
  return path === '' ? message : `${path}: ${message}`;
}

async function readBounded(file: string, flag: string): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new LifeboatError('USAGE', `${flag} ${file} cannot be read: ${(err as Error).message}`, {
      cause: err,
      hint: `check the path given to ${flag}`,
    });
  }
  try {
    const buffer = Buffer.alloc(MAX_HOOKS_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_HOOKS_FILE_BYTES)
        throw usage(`${flag} ${file} is larger than ${MAX_HOOKS_FILE_BYTES} bytes`);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

function usage(message: string, cause?: unknown): LifeboatError {
  return new LifeboatError('USAGE', message, { hint: HINT, ...(cause === undefined ? {} : { cause }) });
}
