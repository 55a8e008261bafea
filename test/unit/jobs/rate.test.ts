import { describe, expect, it } from 'vitest';
import { RateEstimator } from '../../../src-main/engine/jobs/rate.ts';

/** A clock the test moves by hand, in milliseconds. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

describe('RateEstimator', () => {
  it('gives the rate from the first unit and the time left only once five are done', () => {
    const c = clock();
    const rate = new RateEstimator({ now: c.now });
    c.advance(100);
    expect(rate.update(1, 100)).toEqual({ ratePerSec: 10, etaSec: null });
    c.advance(400);
    const settled = rate.update(5, 100);
    expect(settled.ratePerSec).toBeCloseTo(10);
    expect(settled.etaSec).toBeCloseTo(9.5);
  });

  it('settles at once when the whole job is fewer units than that, and promises nothing before a unit is done', () => {
    const c = clock();
    const rate = new RateEstimator({ now: c.now });
    expect(rate.update(0, 2)).toEqual({ ratePerSec: 0, etaSec: null });
    c.advance(1000);
    expect(rate.update(2, 2)).toEqual({ ratePerSec: 2, etaSec: 0 });
  });

  it('a new phase is timed from the previous phase\'s last report, and the time left covers the whole job', () => {
    const c = clock();
    const rate = new RateEstimator({ now: c.now, settleAfter: 1 });
    c.advance(10);
    rate.update(100, 100, 200); // an instant first phase
    c.advance(5000); // the slow phase's first ten units
    rate.nextPhase();
    const slow = rate.update(10, 100, 190);
    expect(slow.ratePerSec).toBeCloseTo(2);
    expect(slow.etaSec).toBeCloseTo(95);
  });

  it('a phase that is not shown still moves the start of the next one', () => {
    const c = clock();
    const rate = new RateEstimator({ now: c.now, settleAfter: 1 });
    c.advance(60_000);
    rate.mark(); // a minute of hidden folds
    rate.nextPhase();
    c.advance(2000);
    expect(rate.update(4, 20).ratePerSec).toBeCloseTo(2);
  });
});
