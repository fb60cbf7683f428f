import { TableBox } from '../components.tsx';
import type { PlanCounts, RestoreResult } from '../types.ts';

const COLUMNS = ['create', 'update', 'exists-identical', 'exists-different', 'skip'];

function CountRows({ label, rows }: { label: string; rows: [string, PlanCounts][] }) {
  return (
    <TableBox label={label}>
      <thead>
        <tr>
          <th scope="col">{label}</th>
          {COLUMNS.map((c) => (
            <th scope="col" key={c}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, counts]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            {COLUMNS.map((c) => (
              <td key={c}>{counts[c] ?? 0}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </TableBox>
  );
}

/** The dry run's plan and pre-flight findings, and the one button that starts the real restore. */
export function Plan({
  result,
  busy,
  confirm,
}: {
  result: RestoreResult;
  busy: boolean;
  confirm: () => void;
}) {
  const p = result.plan;
  const blocking = p.findings.filter((f) => f.severity === 'blocking' || f.severity === 'error');
  return (
    <section class="plan" aria-labelledby="plan-h">
      <h2 id="plan-h">Plan for backup {result.backup}</h2>
      <p role="status">
        {p.totals['create'] ?? 0} to create, {p.totals['update'] ?? 0} to update, {p.totals['skip'] ?? 0}{' '}
        skipped, {p.findings.length} pre-flight findings.
      </p>
      <h3>Pre-flight findings</h3>
      {p.findings.length === 0 ? (
        <p>No findings: the target looks ready.</p>
      ) : (
        <ul class="findings">
          {p.findings.map((f, i) => (
            <li key={i} class={`finding finding-${f.severity}`}>
              <strong>{f.severity}</strong> {f.message}
              {f.hint === undefined ? null : <div class="hint">{f.hint}</div>}
              {f.objects === undefined ? null : (
                <div class="muted small">{f.objects.slice(0, 20).join(', ')}</div>
              )}
            </li>
          ))}
        </ul>
      )}
      <CountRows label="Namespace" rows={Object.entries(p.byNamespace)} />
      <CountRows label="Resource" rows={Object.entries(p.byResource)} />
      <p class="actions">
        <button type="button" class="danger" disabled={busy} onClick={confirm}>
          {blocking.length > 0 ? 'Start the restore despite the findings' : 'Start the restore'}
        </button>
      </p>
    </section>
  );
}
