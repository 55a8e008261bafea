import { resample } from '../audio/resample.ts';
import { SAMPLE_RATE } from '../features/log-mel.ts';
import { seededRandom, type Random } from '../random.ts';

/**
 * Waveform augmentation in the style of the QVIM challenge's listening-test winner (gain,
 * pitch, time stretch, shift, and frame duplicate/remove/silence). Each augmented copy goes
 * through the backbone once and its features are cached beside the clean ones (store rows under
 * `<recipe id>#aug<k>`), so augmentation costs nothing per epoch.
 */

export interface AugmentOptions {
  gainDb: number;
  semitones: number;
  stretch: [number, number];
  shiftSec: number;
  /** Chance that a 100 ms frame is duplicated, removed or silenced. */
  frameCorruption: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = { gainDb: 10, semitones: 4, stretch: [0.8, 1.25], shiftSec: 0.25, frameCorruption: 0.1 };

/**
 * WSOLA time stretch (factor > 1 = longer), pitch unchanged: each frame is taken near its
 * nominal position where it best continues the previous one, so overlapping frames add in phase.
 */
export function timeStretch(x: Float32Array, factor: number): Float32Array {
  const frame = 1024;
  const hop = 512;
  const tolerance = 160;
  const length = Math.round(x.length * factor);
  const out = new Float32Array(length + frame);
  const norm = new Float32Array(length + frame);
  const w = Float32Array.from({ length: frame }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / frame));
  const at = (i: number): number => (i >= 0 && i < x.length ? x[i] : 0);
  let previous = 0;
  for (let to = 0; to < length; to += hop) {
    const nominal = Math.round(to / factor);
    let from = nominal;
    if (to > 0) {
      // The previous frame's natural continuation is x[previous + hop ..]; match its first half.
      const target = previous + hop;
      let best = -Infinity;
      for (let d = -tolerance; d <= tolerance; d += 2) {
        let c = 0;
        for (let i = 0; i < hop; i += 2) c += at(target + i) * at(nominal + d + i);
        if (c > best) {
          best = c;
          from = nominal + d;
        }
      }
    }
    previous = from;
    for (let i = 0; i < frame; i++) {
      out[to + i] += at(from + i) * w[i];
      norm[to + i] += w[i];
    }
  }
  for (let i = 0; i < length; i++) if (norm[i] > 1e-3) out[i] /= norm[i];
  return out.subarray(0, length);
}

/** Shifts pitch by `semitones` keeping the duration: resample (pitch and tempo), then stretch tempo back. */
export function pitchShift(x: Float32Array, semitones: number): Float32Array {
  const ratio = Math.pow(2, semitones / 12);
  // Playing `ratio` times faster raises the pitch; resampling to a lower rate does that.
  const faster = resample(x, Math.round(SAMPLE_RATE * ratio), SAMPLE_RATE);
  return timeStretch(faster, x.length / Math.max(1, faster.length));
}

function corruptFrames(x: Float32Array, chance: number, random: Random): Float32Array {
  const frame = Math.round(0.1 * SAMPLE_RATE);
  const parts: Float32Array[] = [];
  for (let at = 0; at < x.length; at += frame) {
    const f = x.subarray(at, Math.min(x.length, at + frame));
    const r = random.next();
    if (r < chance / 3) parts.push(f, f);
    else if (r < (2 * chance) / 3) continue;
    else if (r < chance) parts.push(new Float32Array(f.length));
    else parts.push(f);
  }
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One augmented copy of a mono 32 kHz sound (the length may change; windows pad or cut it). */
export function augmentWaveform(x: Float32Array, random: Random, o: AugmentOptions = DEFAULT_AUGMENT): Float32Array {
  let y = pitchShift(x, random.uniform(-o.semitones, o.semitones));
  y = timeStretch(y, Math.exp(random.uniform(Math.log(o.stretch[0]), Math.log(o.stretch[1]))));
  y = corruptFrames(y, o.frameCorruption, random);
  const shift = Math.round(random.uniform(-o.shiftSec, o.shiftSec) * SAMPLE_RATE);
  if (shift > 0) {
    const delayed = new Float32Array(y.length + shift);
    delayed.set(y, shift);
    y = delayed;
  } else if (shift < 0) y = y.slice(Math.min(-shift, Math.max(0, y.length - 1)));
  const gain = Math.pow(10, random.uniform(-o.gainDb, o.gainDb) / 20);
  for (let i = 0; i < y.length; i++) y[i] *= gain;
  return y;
}

/** `count` augmented copies, deterministic for a seed (cached features stay valid across runs). */
export function augmentedCopies(x: Float32Array, count: number, seed: number, o: AugmentOptions = DEFAULT_AUGMENT): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => augmentWaveform(x, random, o));
}
