/** Calendar buckets of a time in a time zone, for grandfather-father-son retention. */

export const BUCKET_KINDS = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type BucketKind = (typeof BUCKET_KINDS)[number];

const formatters = new Map<string, Intl.DateTimeFormat>();

function localParts(at: Date, timeZone: string): { y: number; m: number; d: number; h: number } {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const parts = new Map<string, number>();
  for (const p of f.formatToParts(at)) if (p.type !== 'literal') parts.set(p.type, Number(p.value));
  const part = (type: string) => parts.get(type) ?? 0;
  return { y: part('year'), m: part('month'), d: part('day'), h: part('hour') };
}

/** ISO 8601 week-numbering year and week of a calendar date. */
export function isoWeek(y: number, m: number, d: number): { year: number; week: number } {
  const date = new Date(Date.UTC(y, m - 1, d));
  const day = date.getUTCDay() || 7; // Monday 1 … Sunday 7
  date.setUTCDate(date.getUTCDate() + 4 - day); // the Thursday of this week decides the year
  const year = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return { year, week };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The bucket a time falls in, as a sortable key: "2025-03-30T02", "2025-03-30", "2025-W13", "2025-03", "2025". */
export function bucketKey(kind: BucketKind, at: Date, timeZone: string): string {
  const { y, m, d, h } = localParts(at, timeZone);
  switch (kind) {
    case 'hourly':
      return `${y}-${pad(m)}-${pad(d)}T${pad(h)}`;
    case 'daily':
      return `${y}-${pad(m)}-${pad(d)}`;
    case 'weekly': {
      const w = isoWeek(y, m, d);
      return `${w.year}-W${pad(w.week)}`;
    }
    case 'monthly':
      return `${y}-${pad(m)}`;
    case 'yearly':
      return String(y);
  }
}
