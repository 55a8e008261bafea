import { fft } from '../../features/any-length-fft.ts';

/**
 * The analysis every imitator family may read: what a listener takes away from a sound before
 * imitating it (how loud it is over time, how bright, what pitch it has and whether it has one,
 * and where its events start). Families share this and nothing else of each other's code, so
 * that leaving one family out of training is an honest test of a new voice.
 */

const ANALYSIS_RATE = 32000;
const HOP = 320; // 10 ms
// 32 ms frames still follow a phone's 20 Hz warble; the peak is interpolated between 31 Hz bins.
const FRAME = 1024;
/** Every family renders mono at this rate, like a phone recording of the performer. */
export const IMITATION_SAMPLE_RATE = 16000;
export const MAX_IMITATION_SECONDS = 10;

export interface ReferenceTracks {
  hopSec: number;
  /** Frame RMS, linear. */
  loudness: Float32Array;
  /** Spectral centroid in Hz (70 Hz-8 kHz). */
  centroid: Float32Array;
  /** Frequency of the strongest peak in 70 Hz-4 kHz, in Hz. */
  pitch: Float32Array;
  /** 0 (noise-like) .. 1 (a clear tone): how much of the energy sits in that peak. */
  tonality: Float32Array;
  /** Where events start, with how sharply (see `Onset`), in time order. */
  onsets: Onset[];
}

export interface Onset {
  /** Frame index into the tracks. */
  frame: number;
  /** Rise in loudness over the 30 ms before the peak, in dB (a click or plosive: 20+; a swell: < 8). */
  riseDb: number;
  /** Spectral flux at the onset relative to the take's strongest, 0..1. */
  strength: number;
}

/** Tracks loudness, brightness, dominant pitch, tonality and onsets of a mono 32 kHz sound, every 10 ms. */
export function analyseReference(samples32k: Float32Array): ReferenceTracks {
  const n = Math.min(samples32k.length, ANALYSIS_RATE * MAX_IMITATION_SECONDS);
  const frames = Math.max(1, Math.ceil(n / HOP));
  const loudness = new Float32Array(frames);
  const centroid = new Float32Array(frames);
  const pitch = new Float32Array(frames);
  const tonality = new Float32Array(frames);
  const flux = new Float32Array(frames);
  const window = new Float64Array(FRAME).map((_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / FRAME));
  const re = new Float64Array(FRAME);
  const im = new Float64Array(FRAME);
  const binHz = ANALYSIS_RATE / FRAME;
  const lo = Math.ceil(70 / binHz);
  const hiPitch = Math.floor(4000 / binHz);
  const hi = Math.floor(8000 / binHz);
  const power = new Float64Array(hi + 1);
  const previousLog = new Float64Array(hi + 1);
  for (let f = 0; f < frames; f++) {
    const start = f * HOP - FRAME / 2;
    let energy = 0;
    for (let i = 0; i < FRAME; i++) {
      const j = start + i;
      const x = j >= 0 && j < n ? samples32k[j] : 0;
      if (i >= FRAME / 2 - HOP * 1.5 && i < FRAME / 2 + HOP * 1.5) energy += x * x;
      re[i] = x * window[i];
      im[i] = 0;
    }
    loudness[f] = Math.sqrt(energy / (HOP * 3));
    fft(re, im);
    let total = 0;
    let weighted = 0;
    let peak = lo;
    let rise = 0;
    for (let k = lo; k <= hi; k++) {
      power[k] = re[k] * re[k] + im[k] * im[k];
      total += power[k];
      weighted += power[k] * k * binHz;
      if (k <= hiPitch && power[k] > power[peak]) peak = k;
      // Log-compressed flux with a floor: a quiet hiss getting louder is not an event, a hit is.
      const level = Math.log(1 + power[k] * 1e4);
      if (f > 0 && level > previousLog[k]) rise += level - previousLog[k];
      previousLog[k] = level;
    }
    flux[f] = rise;
    centroid[f] = total > 0 ? weighted / total : 1000;
    // Parabolic interpolation of the log peak gives the pitch between bins.
    const a = Math.log(power[peak - 1] + 1e-20);
    const b = Math.log(power[peak] + 1e-20);
    const c = Math.log(power[peak + 1] + 1e-20);
    const offset = a - 2 * b + c < 0 ? (0.5 * (a - c)) / (a - 2 * b + c) : 0;
    pitch[f] = (peak + offset) * binHz;
    let near = 0;
    for (let k = peak - 2; k <= peak + 2; k++) near += power[k];
    tonality[f] = total > 0 ? Math.min(1, Math.max(0, (near / total - 0.05) / 0.3)) : 0;
  }
  return {
    hopSec: HOP / ANALYSIS_RATE,
    loudness,
    centroid,
    pitch: medianFilter(pitch, 3),
    tonality,
    onsets: pickOnsets(flux, loudness),
  };
}

function medianFilter(x: Float32Array, width: number): Float32Array {
  const out = new Float32Array(x.length);
  const half = Math.floor(width / 2);
  for (let i = 0; i < x.length; i++) {
    const w = Array.from(x.subarray(Math.max(0, i - half), Math.min(x.length, i + half + 1))).sort((p, q) => p - q);
    out[i] = w[Math.floor(w.length / 2)];
  }
  return out;
}

/**
 * Peaks of the spectral flux above a moving median (+/-250 ms) that are audible (within 40 dB
 * of the take's peak), where the level rises by 3 dB or more, and at least 50 ms apart: the
 * events a performer would mark. The sound's
 * first audible frame always counts, so a sound that starts loud has an onset at its start.
 */
function pickOnsets(flux: Float32Array, loudness: Float32Array): Onset[] {
  const frames = flux.length;
  let peakLoud = 0;
  let peakFlux = 0;
  for (let i = 0; i < frames; i++) {
    peakLoud = Math.max(peakLoud, loudness[i]);
    peakFlux = Math.max(peakFlux, flux[i]);
  }
  if (peakLoud <= 0 || peakFlux <= 0) return [];
  const audible = (i: number): boolean => loudness[Math.min(frames - 1, i + 2)] > peakLoud * 0.01;
  const onsets: Onset[] = [];
  const riseDb = (i: number): number => {
    let top = 0;
    for (let j = i; j <= Math.min(frames - 1, i + 3); j++) top = Math.max(top, loudness[j]);
    // A sound that starts at the file's start rises from silence.
    const before = i >= 3 ? loudness[i - 3] : 0;
    return 20 * Math.log10((top + peakLoud * 1e-3) / (before + peakLoud * 1e-3));
  };
  const half = 25;
  for (let i = 1; i < frames - 1; i++) {
    if (!(flux[i] >= flux[i - 1] && flux[i] > flux[i + 1]) || !audible(i)) continue;
    const around = Array.from(flux.subarray(Math.max(0, i - half), Math.min(frames, i + half + 1))).sort((p, q) => p - q);
    const median = around[Math.floor(around.length / 2)];
    if (flux[i] < median * 1.5 + peakFlux * 0.1) continue;
    const onset = { frame: i, riseDb: riseDb(i), strength: flux[i] / peakFlux };
    // A stop also makes spectral flux (its click); only a rise in level is an event.
    if (onset.riseDb < 3) continue;
    const last = onsets[onsets.length - 1];
    if (last && i - last.frame < 5) {
      if (onset.strength > last.strength) onsets[onsets.length - 1] = onset;
      continue;
    }
    onsets.push(onset);
  }
  const first = loudness.findIndex((l) => l > peakLoud * 0.05);
  if (first >= 0 && !onsets.some((o) => Math.abs(o.frame - first) < 5)) {
    onsets.unshift({ frame: first, riseDb: riseDb(first), strength: flux[first] / peakFlux });
    onsets.sort((p, q) => p.frame - q.frame);
  }
  return onsets;
}

/** Value of a 10 ms track at a fractional frame position, linearly interpolated and held at the ends. */
export function trackAt(track: Float32Array, frame: number): number {
  if (frame <= 0) return track[0];
  if (frame >= track.length - 1) return track[track.length - 1];
  const i = Math.floor(frame);
  return track[i] + (track[i + 1] - track[i]) * (frame - i);
}

/** The loudest frame's RMS (1 for a silent take, so dividing by it is safe). */
export function peakLoudness(tracks: ReferenceTracks): number {
  let peak = 0;
  for (const l of tracks.loudness) peak = Math.max(peak, l);
  return peak || 1;
}

/** Median pitch of the frames that are audible (within 26 dB of the peak) and tonal; undefined when none is. */
export function medianTonalPitch(tracks: ReferenceTracks): number | undefined {
  const peak = peakLoudness(tracks);
  const pitches: number[] = [];
  tracks.pitch.forEach((p, i) => {
    if (tracks.tonality[i] > 0.3 && tracks.loudness[i] > peak * 0.05) pitches.push(p);
  });
  pitches.sort((a, b) => a - b);
  return pitches.length ? pitches[Math.floor(pitches.length / 2)] : undefined;
}
