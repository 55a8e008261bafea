import { gaussian, type Random } from '../../random.ts';
import type { ReferenceTracks } from './analysis.ts';

/**
 * One way of imitating a sound, built on its own principle (a formant voice, a vocal tract, a
 * mouth's noises, ...). A family owns everything that shapes its output, its recording chain
 * included (register, timing, microphone, room, level); it may read only the shared analysis.
 * `draw` picks one performance (the performer's choices and the room) from the seeded `rand`;
 * `synthesise` renders it, mono at IMITATION_SAMPLE_RATE, drawing any further randomness from
 * `rand` so that the same seed gives the same take, sample for sample.
 */
export interface ImitatorFamily<Style = unknown> {
  /** Lower-case id used in file names, imitators.csv and `--imitators`. */
  readonly id: string;
  /** One line for a sound designer: what this performer does. */
  readonly description: string;
  draw(rand: () => number): Style;
  synthesise(tracks: ReferenceTracks, style: Style, rand: () => number): Float32Array;
}

/**
 * A microphone's white hiss, `snrDb` below the take's level while it sounds (`activeRms`), added
 * to the take in place, one gaussian draw per sample; returns the take's peak after it (for peakGain).
 */
export function addHiss(take: Float32Array | Float64Array, activeRms: number, snrDb: number, rand: Random): number {
  const hiss = activeRms * 10 ** (-snrDb / 20) || 1e-6;
  let peak = 0;
  for (let i = 0; i < take.length; i++) {
    take[i] += hiss * gaussian(rand);
    peak = Math.max(peak, Math.abs(take[i]));
  }
  return peak;
}

/** The gain that puts a take's peak at `peakDb` (0 for a silent take), every family's last step. */
export function peakGain(peak: number, peakDb: number): number {
  return peak > 0 ? 10 ** (peakDb / 20) / peak : 0;
}
