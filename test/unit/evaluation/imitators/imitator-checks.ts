import { join } from 'node:path';
import { loadMono32k } from '../../../../src-main/engine/audio/decode.ts';
import { fft } from '../../../../src-main/engine/features/any-length-fft.ts';
import { analyseReference, IMITATION_SAMPLE_RATE, type ReferenceTracks } from '../../../../src-main/engine/evaluation/imitators/analysis.ts';
import type { ImitatorFamily } from '../../../../src-main/engine/evaluation/imitators/family.ts';
import { splitmix32 } from '../../../../src-main/engine/random.ts';
import { smallSfxLibrary } from '../../../support/sfx.ts';

/** Measurements the imitator tests share: references to imitate and what to read off a take. */

export const REFERENCE_RATE = 32000;

/** A rising whistle-like chirp (600 -> 1800 Hz) gated on and off four times a second. */
export function gatedChirp(seconds = 1.5): Float32Array {
  const x = new Float32Array(REFERENCE_RATE * seconds);
  let phase = 0;
  for (let i = 0; i < x.length; i++) {
    const t = i / REFERENCE_RATE;
    phase += (600 * 3 ** (t / seconds)) / REFERENCE_RATE;
    x[i] = ((t * 4) % 1 < 0.6 ? 0.6 : 0) * Math.sin(2 * Math.PI * phase);
  }
  return x;
}

/** Sharp noise clicks (3 ms, exponentially decaying) at the given times, in silence. */
export function clickTrain(times: number[], seconds: number): Float32Array {
  const x = new Float32Array(Math.round(REFERENCE_RATE * seconds));
  const rand = splitmix32(99);
  for (const t of times) {
    const at = Math.round(t * REFERENCE_RATE);
    for (let i = 0; i < 0.03 * REFERENCE_RATE && at + i < x.length; i++) x[at + i] += 0.8 * (rand() * 2 - 1) * Math.exp(-i / (0.003 * REFERENCE_RATE));
  }
  return x;
}

/** Real library sounds of different kinds: a short UI blip, a drum hit, footsteps, a long crowd. */
export const REAL_SOUNDS = ['deepin/audio-volume-change.wav', 'lmms/drums/snare04.ogg', 'minetest/default/default_metal_footstep.1.ogg', 'heroes/foule2.wav'];

export async function realReference(path: string): Promise<Float32Array> {
  return (await loadMono32k(join(await smallSfxLibrary(), path), { maxSeconds: 10 })).samples;
}

export function render(family: ImitatorFamily, tracks: ReferenceTracks, seed: number): Float32Array {
  const rand = splitmix32(seed);
  return family.synthesise(tracks, family.draw(rand), rand);
}

export function render32k(family: ImitatorFamily, reference: Float32Array, seed: number): { tracks: ReferenceTracks; take: Float32Array } {
  const tracks = analyseReference(reference);
  return { tracks, take: render(family, tracks, seed) };
}

/** Frame RMS of a 16 kHz take every 10 ms. */
export function envelope(take: Float32Array): Float32Array {
  const hop = IMITATION_SAMPLE_RATE / 100;
  const out = new Float32Array(Math.ceil(take.length / hop));
  for (let f = 0; f < out.length; f++) {
    let e = 0;
    for (let i = f * hop; i < Math.min(take.length, (f + 1) * hop); i++) e += take[i] * take[i];
    out[f] = Math.sqrt(e / hop);
  }
  return out;
}

/** Share of a stretch's power above `hz` (Hann-windowed 1024-point frames). */
export function shareAbove(take: Float32Array, from: number, to: number, hz: number): number {
  const n = 1024;
  let above = 0;
  let total = 0;
  for (let o = from; o + n <= to; o += n / 2) {
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    for (let i = 0; i < n; i++) re[i] = take[o + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    fft(re, im);
    for (let k = 1; k < n / 2; k++) {
      const p = re[k] ** 2 + im[k] ** 2;
      total += p;
      if ((k * IMITATION_SAMPLE_RATE) / n > hz) above += p;
    }
  }
  return above / total;
}

export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
