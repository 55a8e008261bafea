import { gaussian, uniform } from '../../random.ts';
import { IMITATION_SAMPLE_RATE, MAX_IMITATION_SECONDS, peakLoudness, trackAt, type ReferenceTracks } from './analysis.ts';
import { peakGain, type ImitatorFamily } from './family.ts';

/**
 * A performer who only has pitch: a whistle (nearly a sine, 0.7-2.6 kHz, that follows the
 * reference's contour closely, with a little breath) or a closed-mouth hum (low, nasal, four
 * or five harmonics, the contour squeezed to a third or half of its size). Noise has no pitch,
 * so for noisy stretches the performer follows the brightness instead, as people do when they
 * whistle a whoosh. Additive synthesis throughout: no filters shape the voice.
 */

const RATE = IMITATION_SAMPLE_RATE;

export interface TonalStyle {
  hum: boolean;
  /** Where the reference's median pitch lands, Hz (whistle 700-2600, hum 90-220). */
  registerHz: number;
  /** Share of the contour (in octaves) reproduced: whistle 0.8-1.15, hum 0.3-0.6. */
  contourKeep: number;
  /** Time constant with which the pitch glides to a new note, s. */
  glideSec: number;
  /** Whistle breath noise relative to the tone. */
  breath: number;
  /** Hum: the nose's resonance and the closed mouth's dip in the harmonics, Hz. */
  nasalHz: number;
  mouthDipHz: number;
  harmonics: number;
  vibratoHz: number;
  vibratoCents: number;
  stretch: number;
  onsetSec: number;
  /** Recording chain: DC blocker corner, cascaded one-pole top, pink background SNR, peak level. */
  micLowHz: number;
  micHighHz: number;
  snrDb: number;
  peakDb: number;
}

function drawTonalStyle(rand: () => number): TonalStyle {
  const hum = rand() < 0.45;
  return {
    hum,
    registerHz: hum ? Math.exp(uniform(rand, Math.log(90), Math.log(220))) : Math.exp(uniform(rand, Math.log(700), Math.log(2600))),
    contourKeep: hum ? uniform(rand, 0.3, 0.6) : uniform(rand, 0.8, 1.15),
    glideSec: uniform(rand, 0.015, 0.06),
    breath: uniform(rand, 0.01, 0.08),
    nasalHz: uniform(rand, 220, 320),
    mouthDipHz: uniform(rand, 600, 1100),
    harmonics: 4 + Math.floor(rand() * 2),
    vibratoHz: uniform(rand, 4.5, 6.5),
    vibratoCents: uniform(rand, 0, 25),
    stretch: Math.exp(uniform(rand, Math.log(0.8), Math.log(1.25))),
    onsetSec: uniform(rand, 0.05, 0.5),
    micLowHz: uniform(rand, 40, 90),
    micHighHz: uniform(rand, 4000, 7000),
    snrDb: uniform(rand, 20, 40),
    peakDb: uniform(rand, -12, -2),
  };
}

/** The contour in octaves relative to its own median: pitch where the reference is tonal, else a third of the brightness's movement. */
function contour(tracks: ReferenceTracks): Float32Array {
  const frames = tracks.loudness.length;
  const peak = peakLoudness(tracks);
  const tonal = (f: number): boolean => tracks.tonality[f] > 0.3 && tracks.loudness[f] > peak * 0.05;
  const raw = new Float32Array(frames);
  let tonalFrames = 0;
  let audibleFrames = 0;
  for (let f = 0; f < frames; f++) {
    if (tonal(f)) tonalFrames++;
    if (tracks.loudness[f] > peak * 0.05) audibleFrames++;
  }
  // A sound that is only briefly tonal is followed by its brightness, or the performer would hold one stray note.
  const byPitch = tonalFrames >= Math.max(3, 0.25 * audibleFrames);
  let held = NaN;
  for (let f = 0; f < frames; f++) {
    if (byPitch ? tonal(f) : tracks.loudness[f] > peak * 0.05) held = byPitch ? Math.log2(tracks.pitch[f]) : Math.log2(Math.max(100, tracks.centroid[f])) / 3;
    raw[f] = held;
  }
  const firstKnown = raw.findIndex((v) => !Number.isNaN(v));
  for (let f = 0; f < firstKnown; f++) raw[f] = raw[firstKnown];
  if (firstKnown < 0) raw.fill(0);
  const sorted = Array.from(raw).sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  return raw.map((v) => v - median);
}

function synthesiseTonal(tracks: ReferenceTracks, style: TonalStyle, rand: () => number): Float32Array {
  const frames = tracks.loudness.length;
  const seconds = Math.min(MAX_IMITATION_SECONDS, style.onsetSec + frames * tracks.hopSec * style.stretch + 0.2);
  const out = new Float64Array(Math.ceil(seconds * RATE));
  const gesture = contour(tracks);
  const peak = peakLoudness(tracks);
  const start = Math.round(style.onsetSec * RATE);
  const glide = 1 - Math.exp(-1 / (style.glideSec * RATE));
  // Hum harmonic weights come from the nose's resonance over the closed mouth's dip; they are recomputed as the pitch moves.
  const weights = new Float64Array(style.harmonics + 1);
  const phases = new Float64Array(style.harmonics + 1);
  let logF = Math.log2(style.registerHz);
  let env = 0;
  for (let n = start; n < out.length; n++) {
    const frame = (n - start) / (RATE * style.stretch * tracks.hopSec);
    const inside = frame < frames;
    const target = Math.log2(style.registerHz) + style.contourKeep * trackAt(gesture, frame);
    logF += (target - logF) * glide;
    const vibrato = (style.vibratoCents / 1200) * Math.sin((2 * Math.PI * style.vibratoHz * n) / RATE);
    const f0 = Math.min(style.hum ? 400 : 3500, Math.max(style.hum ? 70 : 500, 2 ** (logF + vibrato)));
    const loud = inside ? Math.min(1, trackAt(tracks.loudness, frame) / peak) : 0;
    // A hummer cannot get very loud or very quiet; a whistler stops when there is nothing to follow.
    const level = style.hum ? loud ** 0.45 : loud < 0.03 ? 0 : loud ** 0.7;
    env += (level - env) * (level > env ? 0.004 : 0.0012);
    let y: number;
    if (style.hum) {
      if ((n - start) % 64 === 0) {
        for (let h = 1; h <= style.harmonics; h++) {
          const hz = h * f0;
          const nose = 1 / (1 + ((hz - style.nasalHz) / 120) ** 2);
          const dip = 1 - 0.8 * Math.exp(-(((hz - style.mouthDipHz) / 150) ** 2));
          weights[h] = (nose + 0.15 / h) * dip;
        }
      }
      y = 0;
      for (let h = 1; h <= style.harmonics; h++) {
        phases[h] = (phases[h] + (h * f0) / RATE) % 1;
        y += weights[h] * Math.sin(2 * Math.PI * phases[h]);
      }
    } else {
      phases[1] = (phases[1] + f0 / RATE) % 1;
      // Lips leak a little second harmonic and breath that swells with the tone.
      y = Math.sin(2 * Math.PI * phases[1]) + 0.04 * Math.sin(4 * Math.PI * phases[1]) + style.breath * gaussian(rand);
    }
    out[n] = env * y;
  }
  return tonalRecording(out, style, rand);
}

/** DC blocker, two one-pole lows, pink noise (Voss-McCartney, 8 rows) at the SNR, then the level. */
function tonalRecording(x: Float64Array, style: TonalStyle, rand: () => number): Float32Array {
  const r = 1 - (2 * Math.PI * style.micLowHz) / RATE;
  const p = Math.exp((-2 * Math.PI * style.micHighHz) / RATE);
  let xPrev = 0;
  let yPrev = 0;
  let a = 0;
  let b = 0;
  let power = 0;
  let active = 0;
  for (let i = 0; i < x.length; i++) {
    const y = x[i] - xPrev + r * yPrev;
    xPrev = x[i];
    yPrev = y;
    a = (1 - p) * y + p * a;
    b = (1 - p) * a + p * b;
    x[i] = b;
    if (Math.abs(b) > 1e-5) {
      power += b * b;
      active++;
    }
  }
  const rows = new Float64Array(8);
  let pinkSum = 0;
  const pink = new Float64Array(x.length);
  let pinkPower = 0;
  for (let i = 0; i < x.length; i++) {
    // Row k is redrawn every 2^k samples: the sum's spectrum falls about 3 dB per octave.
    for (let k = 0; k < rows.length; k++) {
      if (i % (1 << k) === 0) {
        pinkSum -= rows[k];
        rows[k] = gaussian(rand);
        pinkSum += rows[k];
      }
    }
    pink[i] = pinkSum;
    pinkPower += pinkSum * pinkSum;
  }
  const noise = (Math.sqrt(power / Math.max(1, active)) * 10 ** (-style.snrDb / 20) || 1e-6) / Math.sqrt(pinkPower / Math.max(1, x.length) || 1);
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    x[i] += noise * pink[i];
    peak = Math.max(peak, Math.abs(x[i]));
  }
  const scale = peakGain(peak, style.peakDb);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * scale;
  return out;
}

export const tonalFamily: ImitatorFamily<TonalStyle> = {
  id: 'tonal',
  description: 'a whistle that follows the contour closely, or a low nasal closed-mouth hum with the contour squeezed; brightness stands in for pitch on noise',
  draw: drawTonalStyle,
  synthesise: synthesiseTonal,
};
