import { useState } from 'preact/hooks';
import { send } from '../api.ts';
import { Empty, ErrorBox, PageTitle, useCan } from '../components.tsx';
import { parseList, parseMapping } from '../format.ts';
import { usePoll } from '../hooks.ts';
import { href, restoreSegments } from '../router.ts';
import type { BackupRow, List, RestoreResult } from '../types.ts';
import { Plan } from './restore-plan.tsx';

interface Form {
  /** The backup's name, or `CLUSTER/NAME` for a fleet cluster's (a name has no slash). */
  backup: string;
  namespaces: string;
  namespaceMapping: string;
  storageClassMapping: string;
  policy: 'none' | 'update';
}

/** The form's key of a backup: its name, prefixed with its fleet cluster's. */
export const backupKey = (b: { name: string; cluster?: string | undefined }): string =>
  b.cluster === undefined ? b.name : `${b.cluster}/${b.name}`;

/** The name and cluster a form key stands for. */
function fromKey(key: string): { name: string; cluster: string | undefined } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { name: key, cluster: undefined }
    : { name: key.slice(slash + 1), cluster: key.slice(0, slash) };
}

/** The API body of the form, or what is wrong with it. */
export function restoreBody(
  f: Form,
  dryRun: boolean,
  location: string | undefined,
): { body: Record<string, unknown> } | { error: string } {
  if (f.backup === '') return { error: 'Pick a backup.' };
  const ns = parseMapping(f.namespaceMapping);
  if ('error' in ns) return { error: `Namespace mappings: ${ns.error}` };
  const sc = parseMapping(f.storageClassMapping);
  if ('error' in sc) return { error: `Storage class mappings: ${sc.error}` };
  const included = parseList(f.namespaces);
  const picked = fromKey(f.backup);
  const body: Record<string, unknown> = { backupName: picked.name, dryRun, existingResourcePolicy: f.policy };
  if (picked.cluster !== undefined) body['cluster'] = picked.cluster;
  if (location !== undefined) body['storageLocation'] = location;
  if (included.length > 0) body['includedNamespaces'] = included;
  if (Object.keys(ns.mapping).length > 0) body['namespaceMapping'] = ns.mapping;
  if (Object.keys(sc.mapping).length > 0) body['storageClassMapping'] = sc.mapping;
  return { body };
}

function Field(props: {
  id: string;
  label: string;
  help: string;
  value: string;
  multiline?: boolean;
  set: (v: string) => void;
}) {
  const onInput = (e: Event) => props.set((e.currentTarget as HTMLInputElement).value);
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.multiline === true ? (
        <textarea
          id={props.id}
          rows={3}
          value={props.value}
          onInput={onInput}
          aria-describedby={`${props.id}-help`}
        />
      ) : (
        <input
          id={props.id}
          type="text"
          value={props.value}
          onInput={onInput}
          aria-describedby={`${props.id}-help`}
        />
      )}
      <small id={`${props.id}-help`}>{props.help}</small>
    </div>
  );
}

interface FormProps {
  f: Form;
  set: (k: keyof Form) => (v: string) => void;
  busy: boolean;
  backups: BackupRow[];
  plan: () => void;
}

function RestoreForm({ f, set, busy, backups: completed, plan }: FormProps) {
  return (
    <form
      class="restore-form"
      onSubmit={(e) => {
        e.preventDefault();
        plan();
      }}
    >
      <div class="field">
        <label for="r-backup">Backup</label>
        <select id="r-backup" value={f.backup} onChange={(e) => set('backup')(e.currentTarget.value)}>
          <option value="">Pick a backup…</option>
          {completed.map((b) => (
            <option key={backupKey(b)} value={backupKey(b)}>
              {b.name} ({b.cluster === undefined ? '' : `${b.cluster}, `}
              {b.phase})
            </option>
          ))}
          {f.backup !== '' && !completed.some((b) => backupKey(b) === f.backup) ? (
            <option value={f.backup}>{f.backup}</option>
          ) : null}
        </select>
      </div>
      <Field
        id="r-namespaces"
        label="Namespaces"
        help="Comma-separated; empty restores every namespace of the backup."
        value={f.namespaces}
        set={set('namespaces')}
      />
      <Field
        id="r-nsmap"
        label="Namespace mappings"
        help="One old:new per line."
        multiline
        value={f.namespaceMapping}
        set={set('namespaceMapping')}
      />
      <Field
        id="r-scmap"
        label="Storage class mappings"
        help="One old:new per line."
        multiline
        value={f.storageClassMapping}
        set={set('storageClassMapping')}
      />
      <div class="field">
        <label for="r-policy">Existing resources</label>
        <select id="r-policy" value={f.policy} onChange={(e) => set('policy')(e.currentTarget.value)}>
          <option value="none">leave them as they are (none)</option>
          <option value="update">update them from the backup (update)</option>
        </select>
      </div>
      <button type="submit" disabled={busy}>
        Plan restore (dry run)
      </button>
    </form>
  );
}

/** A restore in two steps: the dry-run plan and pre-flight findings first, then confirm to run it. */
export function RestoreNewPage({ params }: { params: URLSearchParams }) {
  const backups = usePoll<List<BackupRow>>('/api/v1/backups', 0);
  const canRestore = useCan('restores.create');
  const [f, setF] = useState<Form>({
    backup: params.get('backup')
      ? backupKey({ name: params.get('backup') ?? '', cluster: params.get('cluster') ?? undefined })
      : '',
    namespaces: '',
    namespaceMapping: '',
    storageClassMapping: '',
    policy: 'none',
  });
  const [plan, setPlan] = useState<RestoreResult | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const set = (k: keyof Form) => (v: string) => {
    setF({ ...f, [k]: v });
    setPlan(undefined);
  };
  const submit = async (dryRun: boolean) => {
    const location = backups.data?.items.find((x) => backupKey(x) === f.backup)?.location;
    const b = restoreBody(f, dryRun, location);
    if ('error' in b) return setError(new Error(b.error));
    setBusy(true);
    setError(undefined);
    try {
      if (dryRun) setPlan(await send<RestoreResult>('POST', '/api/v1/restores', b.body));
      else {
        const started = await send<{ name: string; cluster?: string }>('POST', '/api/v1/restores', b.body);
        window.location.hash = href(restoreSegments(started.name, started.cluster), { location });
      }
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };
  if (!canRestore)
    return (
      <>
        <PageTitle>New restore</PageTitle>
        <Empty>You may not start restores on this server (or it runs without --enable-restore).</Empty>
      </>
    );
  const completed = (backups.data?.items ?? []).filter(
    (b) => b.phase === 'Completed' || b.phase === 'PartiallyFailed',
  );
  return (
    <>
      <PageTitle>New restore</PageTitle>
      <RestoreForm f={f} set={set} busy={busy} backups={completed} plan={() => void submit(true)} />
      <ErrorBox error={error} />
      {plan === undefined ? null : <Plan result={plan} busy={busy} confirm={() => void submit(false)} />}
    </>
  );
}
