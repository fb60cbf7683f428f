import type { CronSchedule } from './cron.ts';
import { type ScheduleLike, scheduleCron } from './status.ts';

/** What a slot is learnt from: a schedule's name (for errors), cron and time zone. */
export type SlotSchedule = Pick<ScheduleLike, 'name' | 'schedule' | 'timezone'>;

/** A schedule's slot as a scheduling pass sees it. */
export interface SlotPass {
  /**
   * `first` when the key was not known (a new schedule, or one the scheduler starts with), `again` when
   * its cron or time zone changed: either way its next time was just learnt, after `now`, so nothing is due.
   */
  learnt: 'first' | 'again' | undefined;
  cron: CronSchedule;
  /** Takes the due time, when the slot's next time has come, and moves the slot on past `now`. */
  takeDue(): Date | undefined;
}

interface Slot {
  signature: string;
  cron: CronSchedule;
  next: Date | undefined;
}

/**
 * The next due time of each schedule a loop runs, by key, for the backup scheduler and the drill
 * scheduler alike: learnt when a key is first seen and again when its cron or time zone changes, then
 * taken once due. Pure: the caller gives the time.
 */
export class CronSlots {
  readonly #slots = new Map<string, Slot>();

  /**
   * The pass over `key`'s slot at `now`; undefined, after telling `invalid` why (a LifeboatError naming
   * the schedule), when the cron or the time zone is invalid: the key is then forgotten, so a fixed
   * schedule is learnt afresh.
   */
  pass(key: string, s: SlotSchedule, now: Date, invalid: (err: unknown) => void): SlotPass | undefined {
    const signature = `${s.schedule}\u0000${s.timezone ?? ''}`;
    const known = this.#slots.get(key);
    let slot = known;
    let learnt: SlotPass['learnt'];
    if (slot === undefined || slot.signature !== signature) {
      let cron: CronSchedule;
      try {
        cron = scheduleCron(s);
      } catch (err) {
        this.#slots.delete(key);
        invalid(err);
        return undefined;
      }
      slot = { signature, cron, next: cron.next(now) };
      this.#slots.set(key, slot);
      learnt = known === undefined ? 'first' : 'again';
    }
    const current = slot;
    return {
      learnt,
      cron: current.cron,
      takeDue: () => {
        if (current.next === undefined || current.next > now) return undefined;
        const due = current.next;
        current.next = current.cron.next(now);
        return due;
      },
    };
  }

  /** Forgets every key the loop no longer runs. */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const key of this.#slots.keys()) if (!keys.has(key)) this.#slots.delete(key);
  }

  clear(): void {
    this.#slots.clear();
  }
}
