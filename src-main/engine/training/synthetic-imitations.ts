import { logMel, MEL_BINS, SAMPLE_RATE, HOP } from '../features/log-mel.ts';
import { seededRandom, type Random } from './random.ts';

/**
 * Synthetic vocal imitations of a sound, for training and measuring heads where no real
 * imitations exist. They keep what people keep when they imitate (the loudness envelope and
 * its rhythm, the brightness contour as a pitch/formant contour, noisiness as breath) and
 * change what people change (voice timbre: a buzzing glottal source through one moving
 * formant, a narrow voice band, background noise, a late start, a different tempo, a pitch
 * offset). They are a proxy, not people: numbers measured on them are named as such.
 */

export interface ImitationStyle {
  /** Tempo factor: output time = input time * stretch. */
  stretch: number;
  /** Seconds of silence before the imitation starts. */
  delaySec: number;
  /** Voice pitch (Hz) at the sound's median brightness. */
  basePitchHz: number;
  /** How much of the brightness contour (in octaves) the pitch follows. */
  contourDepth: number;
  /** Loudness compression: 1 keeps the sound's dynamics, lower flattens them. */
  dynamics: number;
  /** Background noise, in dB below the imitation's level. */
  snrDb: number;
  /** Low-pass corner of the voice band. */
  bandTopHz: number;
}

const MEL_CENTRES = (() => {
  const mel = (hz: number) => 1127 * Math.log(1 + hz / 700);
  const delta = mel(15000) / (MEL_BINS + 1);
  return Float64Array.from({ length: MEL_BINS }, (_, m) => 700 * (Math.exp(((m + 1) * delta) / 1127) - 1));
})();

export function randomStyle(random: Random): ImitationStyle {
  return {
    stretch: Math.exp(random.uniform(Math.log(0.8), Math.log(1.25))),
    delaySec: random.uniform(0, 0.5),
    basePitchHz: Math.exp(random.uniform(Math.log(100), Math.log(350))),
    contourDepth: random.uniform(0.4, 1),
    dynamics: random.uniform(0.5, 1),
    snrDb: random.uniform(20, 40),
    bandTopHz: random.uniform(3000, 6000),
  };
}

interface Contours {
  frames: number;
  /** Amplitude (linear, peak 1). */
  level: Float64Array;
  /** log2 of the spectral centroid, minus its loudness-weighted median. */
  brightness: Float64Array;
  /** 0 (tonal) .. 1 (noise-like), from spectral flatness. */
  noisiness: Float64Array;
}

function analyse(samples: Float32Array): Contours {
  const mel = logMel(samples);
  const T = mel.frames;
  const level = new Float64Array(T);
  const centroid = new Float64Array(T);
  const noisiness = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let sum = 0;
    let weighted = 0;
    let logSum = 0;
    for (let m = 0; m < MEL_BINS; m++) {
      const p = Math.exp(5 * mel.data[m * T + t] - 4.5);
      sum += p;
      weighted += p * MEL_CENTRES[m];
      logSum += Math.log(p + 1e-12);
    }
    level[t] = Math.sqrt(sum);
    centroid[t] = Math.log2(Math.max(weighted / Math.max(sum, 1e-12), 50));
    noisiness[t] = Math.min(1, Math.exp(logSum / MEL_BINS) / Math.max(sum / MEL_BINS, 1e-12) * 4);
  }
  const peak = Math.max(...level, 1e-9);
  for (let t = 0; t < T; t++) level[t] /= peak;
  // The centre of the contour is taken where the sound is loud, so silence does not drag it.
  const loud = [...centroid].filter((_, t) => level[t] > 0.05).sort((a, b) => a - b);
  const median = loud.length ? loud[loud.length >> 1] : 10;
  const brightness = centroid.map((c) => c - median);
  return { frames: T, level, brightness, noisiness };
}

/** Linear interpolation of a per-frame contour at fractional frame position `x`. */
function at(contour: Float64Array, x: number): number {
  if (x <= 0) return contour[0];
  const last = contour.length - 1;
  if (x >= last) return contour[last];
  const i = Math.floor(x);
  const f = x - i;
  return contour[i] * (1 - f) + contour[i + 1] * f;
}

/**
 * One imitation of `reference` (32 kHz mono), as long as the reference (a 10 s clip stays 10 s).
 * Deterministic for a given seed.
 */
export function syntheticImitation(reference: Float32Array, seed: number, style: ImitationStyle = randomStyle(seededRandom(seed))): Float32Array {
  const random = seededRandom(seed ^ 0x5bd1e995);
  const c = analyse(reference);
  const n = reference.length;
  const out = new Float32Array(n);
  const delay = style.delaySec * SAMPLE_RATE;
  const framesPerSample = 1 / HOP;
  const twoPi = 2 * Math.PI;
  let phase = 0;
  // One moving formant (two-pole resonator) plus a fixed voice band (one-pole high- and low-pass).
  let y1 = 0;
  let y2 = 0;
  let hp = 0;
  let hpPrev = 0;
  let lp = 0;
  const lpAlpha = 1 - Math.exp((-twoPi * style.bandTopHz) / SAMPLE_RATE);
  const hpAlpha = Math.exp((-twoPi * 120) / SAMPLE_RATE);
  let env = 0;
  const attack = 1 - Math.exp(-1 / (0.01 * SAMPLE_RATE));
  const release = 1 - Math.exp(-1 / (0.04 * SAMPLE_RATE));
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const src = (i - delay) / style.stretch;
    const inside = src >= 0 && src < n;
    const x = src * framesPerSample;
    const target = inside ? Math.pow(at(c.level, x), style.dynamics) : 0;
    env += (target - env) * (target > env ? attack : release);
    const bright = inside ? at(c.brightness, x) : 0;
    const f0 = Math.min(900, Math.max(70, style.basePitchHz * Math.pow(2, style.contourDepth * bright)));
    phase += f0 / SAMPLE_RATE;
    phase -= Math.floor(phase);
    // A glottal-like buzz (a sawtooth with a soft edge) mixed with breath by the sound's noisiness.
    const buzz = 2 * phase - 1 - Math.sin(twoPi * phase) * 0.5;
    const noise = random.uniform(-1, 1);
    const breath = inside ? at(c.noisiness, x) : 0;
    const source = (1 - breath) * buzz + breath * noise * 1.5;
    const formant = Math.min(3500, Math.max(350, 1000 * Math.pow(2, 0.8 * bright)));
    const r = 0.97;
    const a1 = 2 * r * Math.cos((twoPi * formant) / SAMPLE_RATE);
    const y = source * (1 - r) * 4 + a1 * y1 - r * r * y2;
    y2 = y1;
    y1 = y;
    const voiced = (y + 0.3 * source) * env;
    hp = hpAlpha * (hp + voiced - hpPrev);
    hpPrev = voiced;
    lp += (hp - lp) * lpAlpha;
    out[i] = lp;
    energy += lp * lp;
  }
  const rms = Math.sqrt(energy / Math.max(1, n)) || 1;
  const noiseLevel = rms * Math.pow(10, -style.snrDb / 20) * Math.sqrt(3);
  let peak = 0;
  for (let i = 0; i < n; i++) {
    out[i] += noiseLevel * random.uniform(-1, 1);
    peak = Math.max(peak, Math.abs(out[i]));
  }
  const gain = peak > 0 ? 0.5 / peak : 0;
  for (let i = 0; i < n; i++) out[i] *= gain;
  return out;
}
