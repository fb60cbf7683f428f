/** Times and sizes as the dashboard shows them; pure, so they are tested without a browser. */

/** `45s`, `12m`, `3h 5m`, `2d 4h` for a number of seconds. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}

/** `5m ago` / `in 5m` for an ISO time; `—` when there is none or it is not a time. */
export function relative(iso: string | undefined, now = Date.now()): string {
  if (iso === undefined) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const delta = (now - t) / 1000;
  return delta >= 0 ? `${duration(delta)} ago` : `in ${duration(-delta)}`;
}

/** `2026-12-07 03:12:44 UTC`. */
export function timestamp(iso: string | undefined): string {
  if (iso === undefined) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `512 B`, `1.5 KiB`, `20.0 MiB`. */
export function bytes(n: number | undefined): string {
  if (n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} ${units[0]}` : `${v.toFixed(1)} ${units[i]}`;
}

/** Lines `a:b` (or `a=b`), blank lines ignored, into a mapping; the line at fault when one is not. */
export function parseMapping(text: string): { mapping: Record<string, string> } | { error: string } {
  const mapping: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const line of text.split(/[\n,]/)) {
    const t = line.trim();
    if (t === '') continue;
    const m = /^([^:=\s]+)\s*[:=]\s*([^:=\s]+)$/.exec(t);
    if (m === null) return { error: `"${t}" is not of the form old:new` };
    mapping[m[1] ?? ''] = m[2] ?? '';
  }
  return { mapping };
}

/** A comma- or space-separated list, empty items left out. */
export function parseList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The share done, 0–100, rounded down (100 only when all is done); undefined when the total is unknown or zero. */
export function percent(done: number, total: number | undefined): number | undefined {
  if (total === undefined || !(total > 0)) return undefined;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}
