import { Cron } from 'croner';
import { LifeboatError } from '../errors/index.ts';
import { InvalidDurationError, parseDuration } from '../gojson/index.ts';

/**
 * A schedule's cron expression, parsed once: 5-field (minute precision, like Velero's robfig/cron),
 * 6-field (with seconds), croner's nicknames (@hourly, @daily, @weekly, @monthly, @yearly),
 * Velero's `@every <Go duration>` and `CRON_TZ=<zone> ` prefix. Times are computed in the time zone
 * (IANA name, default UTC), with croner's DST rules: a fixed-time job in a gap runs right after it,
 * and once when a local time occurs twice.
 */
export interface CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  /** The first run strictly after `after`, or undefined when there is none. */
  next(after: Date): Date | undefined;
  /** Up to `n` runs strictly after `after`. */
  nextRuns(n: number, after: Date): Date[];
  /** Runs in (from, to], oldest first, at most `limit` of them (the newest when there are more). */
  between(from: Date, to: Date, limit: number): Date[];
}

export function parseCron(expression: string, timeZone?: string): CronSchedule {
  let text = expression.trim();
  let zone = timeZone !== undefined && timeZone !== '' ? timeZone : 'UTC';
  const tz = /^(?:CRON_)?TZ=(\S+)\s+(.*)$/.exec(text);
  if (tz !== null) {
    zone = tz[1] ?? zone;
    text = tz[2] ?? '';
  }
  checkTimeZone(zone);
  const every = /^@every\s+(\S+)$/.exec(text);
  if (every !== null) return everySchedule(expression, zone, every[1] ?? '');
  let cron: Cron;
  try {
    cron = new Cron(text, { timezone: zone, paused: true, mode: '5-or-6-parts' });
  } catch (err) {
    throw invalid(expression, err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err));
  }
  const next = (after: Date): Date | undefined => cron.nextRun(after) ?? undefined;
  return {
    expression,
    timeZone: zone,
    next,
    nextRuns: (n, after) => cron.nextRuns(n, after),
    between: (from, to, limit) =>
      cron
        .previousRuns(limit, new Date(to.getTime() + 1))
        .filter((t) => t > from && t <= to)
        .reverse(),
  };
}

function everySchedule(expression: string, zone: string, durationText: string): CronSchedule {
  let ms: number;
  try {
    ms = parseDuration(durationText, '@every');
  } catch (err) {
    if (err instanceof InvalidDurationError) throw invalid(expression, err.message);
    throw err;
  }
  if (ms < 1000) throw invalid(expression, '@every needs at least 1s');
  // Like robfig/cron's ConstantDelaySchedule: the next run is one interval after the reference, to the second.
  const next = (after: Date): Date => new Date(Math.floor((after.getTime() + ms) / 1000) * 1000);
  return {
    expression,
    timeZone: zone,
    next,
    nextRuns: (n, after) => {
      const out: Date[] = [];
      let t = after;
      for (let i = 0; i < n; i++) out.push((t = next(t)));
      return out;
    },
    between: (from, to, limit) => {
      const out: Date[] = [];
      const first = Math.max(1, Math.ceil((to.getTime() - from.getTime()) / ms) - limit);
      for (let k = first; out.length < limit; k++) {
        const t = next(new Date(from.getTime() + (k - 1) * ms));
        if (t > to) break;
        out.push(t);
      }
      return out;
    },
  };
}

export function checkTimeZone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new LifeboatError('USAGE', `unknown time zone '${zone}'`, {
      hint: 'use an IANA time zone name such as UTC, Europe/Rome or America/New_York',
    });
  }
}

function invalid(expression: string, why: string): LifeboatError {
  return new LifeboatError('USAGE', `invalid schedule '${expression}': ${why}`, {
    hint: 'use 5 cron fields (minute hour day-of-month month day-of-week, e.g. "0 */6 * * *"), 6 with seconds, @daily, or @every 6h',
  });
}
