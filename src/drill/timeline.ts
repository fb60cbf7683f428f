import type { DrillPhase, DrillPhaseName } from './report.ts';

/**
 * The drill's phase timeline: each phase's start and end in milliseconds since the drill started.
 * A phase begun again (a resumed step) extends its first entry; a phase never ended is closed when
 * the next begins or when the timeline is read.
 */
export class PhaseTimeline {
  readonly #started: number;
  readonly #now: () => number;
  readonly #phases: DrillPhase[] = [];
  #open: DrillPhase | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#started = now();
  }

  get startedAt(): number {
    return this.#started;
  }

  /** Milliseconds since the drill started. */
  elapsed(): number {
    return Math.max(0, this.#now() - this.#started);
  }

  begin(name: DrillPhaseName): void {
    if (this.#open?.name === name) return;
    this.end();
    const at = this.elapsed();
    const existing = this.#phases.find((p) => p.name === name);
    if (existing !== undefined) {
      this.#open = existing;
      return;
    }
    this.#open = { name, startMs: at, endMs: at };
    this.#phases.push(this.#open);
  }

  end(): void {
    if (this.#open !== undefined) this.#open.endMs = Math.max(this.#open.startMs, this.elapsed());
    this.#open = undefined;
  }

  async time<T>(name: DrillPhaseName, work: () => Promise<T>): Promise<T> {
    this.begin(name);
    try {
      return await work();
    } finally {
      this.end();
    }
  }

  phases(): DrillPhase[] {
    this.end();
    return this.#phases.map((p) => ({ ...p }));
  }
}
