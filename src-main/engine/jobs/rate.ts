/** A job's speed and time left as the UI shows them. */
export interface RateEstimate {
  /** Units (files, sounds, epochs) per second in the current phase; 0 before the first is done. */
  ratePerSec: number;
  /** Seconds left at that rate; null until the estimate has settled. */
  etaSec: number | null;
}

/**
 * Rate and time left of long work, one for scans, evaluations and training runs: units done in
 * the current phase over the time since the phase began. No time left is promised until a few
 * units are done (one quick failure first would promise an absurd rate). A job whose phases run
 * at very different speeds (evaluation systems, training passes) starts a new phase where the
 * previous one reported its last unit, so no earlier phase's speed skews the estimate.
 */
export class RateEstimator {
  private since: number;
  private last: number;

  constructor(private readonly options: { settleAfter?: number; now?: () => number } = {}) {
    this.since = this.last = this.now();
  }

  /** The next phase begins: counting starts again from the previous phase's last report. */
  nextPhase(): void {
    this.since = this.last;
  }

  /** Notes that a unit was reported without estimating (a phase the UI does not show). */
  mark(): void {
    this.last = this.now();
  }

  /** `done` of `total` units of the current phase; `remaining` (default total - done) is what is left of the whole job. */
  update(done: number, total: number, remaining = total - done): RateEstimate {
    this.last = this.now();
    const seconds = (this.last - this.since) / 1000;
    const ratePerSec = seconds > 0 && done > 0 ? done / seconds : 0;
    const settled = done >= Math.min(this.options.settleAfter ?? 5, total);
    return { ratePerSec, etaSec: settled && ratePerSec > 0 ? Math.max(0, remaining) / ratePerSec : null };
  }

  private now(): number {
    return this.options.now ? this.options.now() : performance.now();
  }
}
