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
