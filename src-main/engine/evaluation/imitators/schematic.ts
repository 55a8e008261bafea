import { gaussian, uniform } from '../../random.ts';
import { IMITATION_SAMPLE_RATE, MAX_IMITATION_SECONDS, peakLoudness, type ReferenceTracks } from './analysis.ts';
import { addHiss, peakGain, type ImitatorFamily } from './family.ts';

/**
 * A performer who tells the sound's story rather than copying it: the reference is cut at its
 * onsets into events, quiet ones are dropped, close ones merged (some at random, as a listener
 * forgets them), each event's length and the gaps change by up to 40 %, and every remaining
 * event becomes one exaggerated gesture: a sweep whose rise or fall is 1.5-2.5 times the
 * reference's, or a buzz / rushing noise for noisy events, with a sharp or swelling attack.
 */

const RATE = IMITATION_SAMPLE_RATE;

export interface SchematicStyle {
  /** Chance of merging an event into the one before it, and of forgetting a non-loudest one. */
  mergeChance: number;
  dropChance: number;
  /** Events below this share of the loudest are left out. */
  dropBelow: number;
  /** At most this many gestures. */
  maxGestures: number;
  /** Pitch movement inside a gesture, times the reference's. */
  exaggeration: number;
  /** Where the sweeps sit, Hz. */
  registerHz: number;
  /** Lip buzz rate for dark noisy events, Hz. */
  buzzHz: number;
  onsetSec: number;
  /** Recording chain: leaky-differentiator low cut, moving-average top (taps), hiss SNR, level. */
  micLowHz: number;
  smoothingTaps: number;
  snrDb: number;
  peakDb: number;
}

function drawSchematicStyle(rand: () => number): SchematicStyle {
  return {
    mergeChance: uniform(rand, 0.15, 0.5),
    dropChance: uniform(rand, 0, 0.25),
    dropBelow: uniform(rand, 0.1, 0.35),
    maxGestures: 3 + Math.floor(rand() * 6),
    exaggeration: uniform(rand, 1.5, 2.5),
    registerHz: Math.exp(uniform(rand, Math.log(180), Math.log(700))),
    buzzHz: uniform(rand, 55, 140),
    onsetSec: uniform(rand, 0.05, 0.5),
    micLowHz: uniform(rand, 100, 300),
    smoothingTaps: 1 + Math.floor(rand() * 3),
    snrDb: uniform(rand, 20, 40),
    peakDb: uniform(rand, -9, -1),
  };
}

interface Gesture {
  startSec: number;
  seconds: number;
  level: number;
  /** Pitch at start and end, octaves relative to the whole take's middle. */
  fromOct: number;
  toOct: number;
  tonal: boolean;
  bright: boolean;
  sharp: boolean;
}

/** The reference as events: onset to the next onset or to where it falls 30 dB under its own peak (a decay is part of the story). */
function gesturesOf(tracks: ReferenceTracks): Gesture[] {
  const frames = tracks.loudness.length;
  const peak = peakLoudness(tracks);
  const onsets = tracks.onsets.length ? tracks.onsets : [{ frame: 0, riseDb: 0, strength: 0, attackSec: 1 }];
  const logPitch = (f: number): number => Math.log2(Math.max(60, tracks.pitch[f]));
  const all: number[] = [];
  for (let f = 0; f < frames; f++) if (tracks.loudness[f] > 0.1 * peak) all.push(logPitch(f));
  all.sort((a, b) => a - b);
  const middle = all.length ? all[all.length >> 1] : 8;
  return onsets.map((onset, k) => {
    const next = k + 1 < onsets.length ? onsets[k + 1].frame : frames;
    let top = 0;
    for (let f = onset.frame; f < next; f++) top = Math.max(top, tracks.loudness[f]);
    let end = next;
    while (end > onset.frame + 1 && tracks.loudness[end - 1] < 0.03 * top) end--;
    let tonality = 0;
    let centroid = 0;
    const voiced: number[] = [];
    for (let f = onset.frame; f < end; f++) {
      tonality += tracks.tonality[f] / (end - onset.frame);
      centroid += tracks.centroid[f] / (end - onset.frame);
      if (tracks.tonality[f] > 0.3 && tracks.loudness[f] > 0.2 * top) voiced.push(logPitch(f) - middle);
    }
    const edge = Math.max(1, Math.floor(voiced.length / 8));
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
    return {
      startSec: onset.frame * tracks.hopSec,
      seconds: Math.max(0.04, (end - onset.frame) * tracks.hopSec),
      level: top / peak,
      fromOct: mean(voiced.slice(0, edge)),
      toOct: mean(voiced.slice(-edge)),
      tonal: tonality > 0.35 && voiced.length >= 3,
      bright: centroid > 1500,
      sharp: onset.riseDb > 12,
    };
  });
}

/** Fewer, bolder events: quiet and forgotten ones go, neighbours merge, then the timing is redrawn. */
function simplify(events: Gesture[], style: SchematicStyle, rand: () => number): Gesture[] {
  const loudest = events.reduce((best, e) => (e.level > best.level ? e : best), events[0]);
  // The story's length is the whole reference's, even when its first or last events are forgotten.
  const span = events[events.length - 1].startSec + events[events.length - 1].seconds - events[0].startSec;
  let kept = events.filter((e) => e === loudest || (e.level >= style.dropBelow && rand() >= style.dropChance));
  const merged: Gesture[] = [];
  for (const e of kept) {
    const last = merged[merged.length - 1];
    if (last && rand() < style.mergeChance) {
      last.seconds = e.startSec + e.seconds - last.startSec;
      last.toOct = e.toOct;
      last.level = Math.max(last.level, e.level);
      last.tonal = last.tonal || e.tonal;
    } else merged.push({ ...e });
  }
  kept = merged;
  // Too many to remember: merge across the shortest gap until few enough are left.
  while (kept.length > style.maxGestures) {
    let k = 1;
    for (let i = 2; i < kept.length; i++) {
      const gap = (j: number): number => kept[j].startSec - (kept[j - 1].startSec + kept[j - 1].seconds);
      if (gap(i) < gap(k)) k = i;
    }
    kept[k - 1].seconds = kept[k].startSec + kept[k].seconds - kept[k - 1].startSec;
    kept[k - 1].toOct = kept[k].toOct;
    kept[k - 1].level = Math.max(kept[k - 1].level, kept[k].level);
    kept.splice(k, 1);
  }
  // Free timing: every length and gap off by up to 40 %, the whole then held within 40 % of the original span.
  const out: Gesture[] = [];
  let t = events[0].startSec;
  for (let i = 0; i < kept.length; i++) {
    if (i > 0) t += Math.max(0.03, (kept[i].startSec - (kept[i - 1].startSec + kept[i - 1].seconds)) * uniform(rand, 0.6, 1.4));
    const seconds = kept[i].seconds * uniform(rand, 0.6, 1.4);
    out.push({ ...kept[i], startSec: t, seconds });
    t += seconds;
  }
  const newSpan = t - out[0].startSec;
  const fix = newSpan > 1.4 * span ? (1.4 * span) / newSpan : newSpan < 0.6 * span ? (0.6 * span) / newSpan : 1;
  const origin = out[0].startSec;
  return out.map((g) => ({ ...g, startSec: origin + (g.startSec - origin) * fix, seconds: g.seconds * fix }));
}

/** One gesture, written into `out` from sample `at`. */
function renderGesture(out: Float64Array, at: number, g: Gesture, style: SchematicStyle, rand: () => number): void {
  const length = Math.min(out.length - at, Math.round(g.seconds * RATE));
  const slope = (g.toOct - g.fromOct) * style.exaggeration;
  const from = Math.log2(style.registerHz) + 0.5 * g.fromOct;
  let phase = 0;
  let res1 = 0;
  let res2 = 0;
  for (let i = 0; i < length; i++) {
    const u = i / length;
    // Sharp events hit and decay; soft ones swell and fade, more than the reference did.
    const shape = g.sharp ? Math.min(1, i / (0.003 * RATE)) * Math.exp(-3 * u) : Math.sin(Math.PI * u) ** 1.5;
    const fade = Math.min(1, (length - i) / (0.01 * RATE));
    let y: number;
    if (g.tonal) {
      // A triangle sweep: few harmonics, so the contour is what one hears.
      phase = (phase + 2 ** (from + slope * u) / RATE) % 1;
      y = 4 * Math.abs(phase - 0.5) - 1;
    } else {
      // A lip buzz (dark) or a rush of air (bright), through a two-pole resonance sweeping by the exaggerated slope.
      const hz = Math.min(5000, (g.bright ? 2500 : 500) * 2 ** (slope * u * 0.5));
      const r = g.bright ? 0.9 : 0.97;
      const c = 2 * r * Math.cos((2 * Math.PI * hz) / RATE);
      phase = (phase + style.buzzHz / RATE) % 1;
      const excite = g.bright ? gaussian(rand) : phase < 0.1 ? 1 : -0.11;
      const y0 = (1 - r) * excite + c * res1 - r * r * res2;
      res2 = res1;
      res1 = y0;
      y = y0 * (g.bright ? 3 : 6);
    }
    out[at + i] += g.level ** 0.5 * shape * fade * y;
  }
}

function synthesiseSchematic(tracks: ReferenceTracks, style: SchematicStyle, rand: () => number): Float32Array {
  const gestures = simplify(gesturesOf(tracks), style, rand);
  const last = gestures[gestures.length - 1];
  const seconds = Math.min(MAX_IMITATION_SECONDS, style.onsetSec + last.startSec + last.seconds + 0.15);
  const out = new Float64Array(Math.ceil(seconds * RATE));
  for (const g of gestures) {
    const at = Math.round((style.onsetSec + g.startSec) * RATE);
    if (at < out.length) renderGesture(out, at, g, style, rand);
  }
  return schematicRecording(out, style, rand);
}

/** A laptop microphone: leaky first difference for the low cut, a short moving average for the top, white hiss, the level. */
function schematicRecording(x: Float64Array, style: SchematicStyle, rand: () => number): Float32Array {
  const leak = 1 - (2 * Math.PI * style.micLowHz) / RATE;
  let previous = 0;
  let state = 0;
  const cut = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    state = leak * state + x[i] - previous;
    previous = x[i];
    cut[i] = state;
  }
  const out = new Float32Array(x.length);
  let power = 0;
  let count = 0;
  const smooth = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let s = 0;
    for (let k = 0; k < style.smoothingTaps && i - k >= 0; k++) s += cut[i - k];
    smooth[i] = s / style.smoothingTaps;
    if (Math.abs(smooth[i]) > 1e-5) {
      power += smooth[i] ** 2;
      count++;
    }
  }
  const peak = addHiss(smooth, Math.sqrt(power / Math.max(1, count)), style.snrDb, rand);
  const gain = peakGain(peak, style.peakDb);
  for (let i = 0; i < x.length; i++) out[i] = smooth[i] * gain;
  return out;
}

export const schematicFamily: ImitatorFamily<SchematicStyle> = {
  id: 'schematic',
  description: 'fewer, exaggerated gestures with free timing: events merged or dropped, lengths off by up to 40 %, each one sweep, buzz or rush',
  draw: drawSchematicStyle,
  synthesise: synthesiseSchematic,
};
