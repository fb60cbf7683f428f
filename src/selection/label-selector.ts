import { LifeboatError } from '../errors/index.ts';
import { type LabelSelector, nullObject, own } from '../model/index.ts';

type Requirement =
  { key: string; op: 'In' | 'NotIn'; values: string[] } | { key: string; op: 'Exists' | 'DoesNotExist' };

/**
 * Parses a kubectl-style label selector (`app=web,tier!=db,env in (a,b),!legacy,canary`) into
 * Velero's metav1.LabelSelector shape, which is what velero-backup.json stores.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const matchLabels = nullObject<string>();
  const matchExpressions: { key: string; operator: string; values?: string[] }[] = [];
  for (const req of splitRequirements(text)) {
    const r = parseRequirement(req, text);
    if (r.op === 'In' && r.values.length === 1 && /^\s*[^\s!]+\s*==?\s*/.test(req))
      matchLabels[r.key] = r.values[0]!;
    else if (r.op === 'In' || r.op === 'NotIn')
      matchExpressions.push({ key: r.key, operator: r.op, values: r.values });
    else matchExpressions.push({ key: r.key, operator: r.op });
  }
  const selector: LabelSelector = {};
  if (Object.keys(matchLabels).length > 0) selector.matchLabels = matchLabels;
  if (matchExpressions.length > 0) selector.matchExpressions = matchExpressions;
  return selector;
}

/** The selector as the API server's labelSelector query parameter (`k!=` for the one empty value: `notin ()` is refused). */
export function formatLabelSelector(selector: LabelSelector): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  ))
    parts.push(`${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn' && e.values?.length === 1 && e.values[0] === '') parts.push(`${e.key}!=`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** Whether a set of labels matches the selector (used for namespaces, whose own labels decide). */
export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (own(labels, k) !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = own(labels, e.key);
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(value!))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(value!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function splitRequirements(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

const KEY = String.raw`[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const VALUE = String.raw`([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;

function parseRequirement(req: string, whole: string): Requirement {
  let m = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`).exec(req);
  if (m) return { key: m[1]!, op: m[3] === '!=' ? 'NotIn' : 'In', values: [m[4] ?? ''] };
  m = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`).exec(req);
  if (m) {
    const values = m[4]!
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.every((v) => new RegExp(`^${VALUE}$`).test(v)) && values.length > 0)
      return { key: m[1]!, op: m[3] === 'in' ? 'In' : 'NotIn', values };
  }
  m = new RegExp(`^(!?)\\s*(${KEY})$`).exec(req);
  if (m) return { key: m[2]!, op: m[1] === '!' ? 'DoesNotExist' : 'Exists' };
  throw new LifeboatError('USAGE', `invalid label selector '${whole}': cannot parse '${req}'`, {
    hint: "use kubectl's syntax, e.g. -l 'app=web,tier!=db,env in (prod,staging),!legacy'",
  });
}
