import { gaussian, uniform } from '../../random.ts';
import { IMITATION_SAMPLE_RATE, MAX_IMITATION_SECONDS, trackAt, type ReferenceTracks } from './analysis.ts';
import { peakGain, type ImitatorFamily } from './family.ts';

/**
 * The proxy's original performer. People who imitate a sound keep its pitch contour, loudness
 * envelope, rhythm and brightness, and lose everything else: the timbre becomes a voice (or a
 * whistle), the register moves into their range, the timing drifts, and a phone-grade
 * microphone in a room adds its band limits and noise. So the tracks drive a small subtractive
 * formant voice. Its output is kept sample-identical to the pre-family code (imitation-synth.ts)
 * so that published proxy numbers can be rebuilt; change it only with a new family id.
 */

const MAX_SECONDS = MAX_IMITATION_SECONDS;

/** How one imitation differs from its reference: the performer's choices and the room. */
export interface FormantStyle {
  /** Extra transposition on top of moving into the voice's register, +/-4 semitones. */
  semitones: number;
  /** Duration factor 0.8-1.25 (the performer is slower or faster). */
  stretch: number;
  /** Silence before the performer starts, seconds. */
  onsetSec: number;
  /** Whistle high tonal sounds instead of singing them an octave or more lower. */
  whistle: boolean;
  /** Speaker's vocal tract: formant frequencies scaled by 0.88-1.15. */
  formantScale: number;
  vibratoHz: number;
  vibratoCents: number;
  /** Nobody keeps time like a machine: the tempo sways by up to this fraction, over this period. */
  swayDepth: number;
  swayPeriodSec: number;
  /** Slow pitch drift of an untrained singer, in cents. */
  driftCents: number;
  /** Signal-to-room-noise ratio in dB and peak level in dBFS. */
  snrDb: number;
  peakDb: number;
}

export function drawFormantStyle(rand: () => number): FormantStyle {
  return {
    semitones: uniform(rand, -4, 4),
    stretch: Math.exp(uniform(rand, Math.log(0.8), Math.log(1.25))),
    onsetSec: uniform(rand, 0.05, 0.5),
    whistle: rand() < 0.5,
    formantScale: uniform(rand, 0.88, 1.15),
    vibratoHz: uniform(rand, 4, 6.5),
    vibratoCents: uniform(rand, 5, 35),
    swayDepth: uniform(rand, 0, 0.2),
    swayPeriodSec: uniform(rand, 0.6, 2.5),
    driftCents: uniform(rand, 0, 60),
    snrDb: uniform(rand, 15, 35),
    peakDb: uniform(rand, -12, -1),
  };
}

/** An RBJ band-pass (0 dB peak) whose centre can move every few samples. */
class MovingBandPass {
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;
  private b0 = 0;
  private a1 = 0;
  private a2 = 0;
  private a0 = 1;
  set(freq: number, q: number, rate: number): void {
    const w0 = (2 * Math.PI * Math.min(freq, rate * 0.45)) / rate;
    const alpha = Math.sin(w0) / (2 * q);
    this.a0 = 1 + alpha;
    this.b0 = alpha / this.a0;
    this.a1 = (-2 * Math.cos(w0)) / this.a0;
    this.a2 = (1 - alpha) / this.a0;
  }
  step(x: number): number {
    const y = this.b0 * (x - this.x2) - this.a1 * this.y1 - this.a2 * this.y2;
    this.x2 = this.x1;
    this.x1 = x;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

/** Second-order Butterworth high- or low-pass, run over a whole signal in place. */
function butterworth(x: Float32Array, cutoff: number, rate: number, kind: 'high' | 'low'): void {
  const w0 = (2 * Math.PI * cutoff) / rate;
  const alpha = Math.sin(w0) / Math.SQRT2;
  const cos = Math.cos(w0);
  const a0 = 1 + alpha;
  const b0 = (kind === 'low' ? (1 - cos) / 2 : (1 + cos) / 2) / a0;
  const b1 = (kind === 'low' ? 1 - cos : -(1 + cos)) / a0;
  const a1 = (-2 * cos) / a0;
  const a2 = (1 - alpha) / a0;
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const y = b0 * x[i] + b1 * x1 + b0 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x[i];
    y2 = y1;
    y1 = y;
    x[i] = y;
  }
}

// Vowels people pick by brightness: "oo" for dark, "ah" in between, "ee" for bright (F1, F2 in Hz).
const VOWELS = [
  [300, 870],
  [730, 1090],
  [270, 2290],
] as const;

/**
 * Renders one imitation of a reference (mono 16 kHz). The voice sings the tonal frames (a
 * glottal-like sawtooth through three formants whose vowel follows the brightness) and hisses
 * the noisy ones (noise through a band that follows the centroid); the loudness envelope,
 * compressed as voices compress it, gates both.
 */
function synthesiseFormant(tracks: ReferenceTracks, style: FormantStyle, rand: () => number): Float32Array {
  const rate = IMITATION_SAMPLE_RATE;
  const frames = tracks.loudness.length;
  const duration = Math.min(MAX_SECONDS, style.onsetSec + (frames * tracks.hopSec * style.stretch) / (1 - style.swayDepth) + 0.15);
  const out = new Float32Array(Math.ceil(duration * rate));

  let peakLoud = 0;
  for (const l of tracks.loudness) peakLoud = Math.max(peakLoud, l);
  // Pitch means something only where the sound is audible and tonal; elsewhere the voice holds its last note.
  const reliable = (i: number): boolean => tracks.tonality[i] > 0.3 && tracks.loudness[i] > peakLoud * 0.05;
  const tonalPitches: number[] = [];
  tracks.pitch.forEach((p, i) => {
    if (reliable(i)) tonalPitches.push(p);
  });
  tonalPitches.sort((a, b) => a - b);
  const median = tonalPitches.length ? tonalPitches[Math.floor(tonalPitches.length / 2)] : 200;
  // One register move for the whole take keeps the contour's shape: whistles sit at 500-2500 Hz, voices at 100-300 Hz.
  const whistle = style.whistle && median > 500;
  const [low, high] = whistle ? [500, 2500] : [100, 300];
  let octaves = 0;
  while (median * 2 ** octaves > high) octaves--;
  while (median * 2 ** octaves < low) octaves++;
  const transpose = 2 ** (octaves + style.semitones / 12);
  const heldPitch = new Float32Array(frames);
  const first = tracks.pitch.findIndex((_, i) => reliable(i));
  let last = first >= 0 ? tracks.pitch[first] : median;
  for (let i = 0; i < frames; i++) {
    if (reliable(i)) last = tracks.pitch[i];
    heldPitch[i] = last;
  }

  const f1 = new MovingBandPass();
  const f2 = new MovingBandPass();
  const f3 = new MovingBandPass();
  const hiss = new MovingBandPass();
  let phase = 0;
  let env = 0;
  let voicedShare = 0;
  let formants = { v1: 0, v2: 0 };
  const start = Math.round(style.onsetSec * rate);
  const swayPhase = rand() * 2 * Math.PI;
  const driftPhase = rand() * 2 * Math.PI;
  let frame = 0;
  for (let n = start; n < out.length; n++) {
    const t = n / rate;
    frame += (1 + style.swayDepth * Math.sin((2 * Math.PI * t) / style.swayPeriodSec + swayPhase)) / (rate * style.stretch * tracks.hopSec);
    if (frame > frames + 5) break;
    if ((n - start) % 32 === 0) {
      const bright = Math.min(1, Math.max(0, Math.log2(trackAt(tracks.centroid, frame) / 500) / 3));
      const [a, b] = bright < 0.5 ? [VOWELS[0], VOWELS[1]] : [VOWELS[1], VOWELS[2]];
      const mix = bright < 0.5 ? bright * 2 : bright * 2 - 1;
      formants = { v1: (a[0] + (b[0] - a[0]) * mix) * style.formantScale, v2: (a[1] + (b[1] - a[1]) * mix) * style.formantScale };
      f1.set(formants.v1, 5, rate);
      f2.set(formants.v2, 8, rate);
      f3.set(2600 * style.formantScale, 10, rate);
      hiss.set(Math.min(6500, Math.max(900, trackAt(tracks.centroid, frame) * 0.9)), 1.8, rate);
    }
    // Voices cannot switch as fast as a sound can: smooth the envelope (15 ms up, 50 ms down).
    const target = frame < frames ? (trackAt(tracks.loudness, frame) / (peakLoud || 1)) ** 0.7 : 0;
    env += (target - env) * (1 - Math.exp(-1 / ((target > env ? 0.015 : 0.05) * rate)));
    voicedShare += (trackAt(tracks.tonality, frame) - voicedShare) * (1 - Math.exp(-1 / (0.02 * rate)));
    const cents = style.vibratoCents * Math.sin(2 * Math.PI * style.vibratoHz * t) + style.driftCents * Math.sin(0.9 * t + driftPhase);
    const vibrato = 2 ** (cents / 1200);
    const f0 = Math.min(rate * 0.2, trackAt(heldPitch, frame) * transpose * vibrato);
    phase += f0 / rate;
    phase -= Math.floor(phase);
    const noise = gaussian(rand) * 0.3;
    let voiced: number;
    if (whistle) voiced = Math.sin(2 * Math.PI * phase) + 0.05 * noise;
    else {
      // A falling sawtooth with a polyBLEP step keeps aliasing of the pulse train low.
      const dt = f0 / rate;
      let saw = 1 - 2 * phase;
      if (phase < dt) saw += (phase / dt - 1) ** 2;
      else if (phase > 1 - dt) saw -= ((phase - 1) / dt + 1) ** 2;
      const source = saw + 0.08 * noise;
      voiced = 2.5 * (f1.step(source) + 0.6 * f2.step(source) + 0.3 * f3.step(source));
    }
    const unvoiced = 2 * hiss.step(noise);
    out[n] = env * (voicedShare * voiced + (1 - voicedShare) * unvoiced);
  }

  // A phone-grade microphone: 100 Hz-7 kHz.
  butterworth(out, 100, rate, 'high');
  butterworth(out, 7000, rate, 'low');
  butterworth(out, 7000, rate, 'low');
  let power = 0;
  let active = 0;
  for (const x of out) {
    if (Math.abs(x) > 1e-4) {
      power += x * x;
      active++;
    }
  }
  const signalRms = active ? Math.sqrt(power / active) : 1e-3;
  // Room noise: brownish hiss (one-pole low-passed white noise) at the chosen SNR.
  const noiseRms = signalRms * 10 ** (-style.snrDb / 20);
  let brown = 0;
  const room = new Float32Array(out.length);
  let roomPower = 0;
  for (let i = 0; i < out.length; i++) {
    brown = 0.97 * brown + gaussian(rand);
    room[i] = brown + 0.3 * gaussian(rand);
    roomPower += room[i] * room[i];
  }
  const roomScale = noiseRms / Math.sqrt(roomPower / Math.max(1, out.length) || 1);
  let peak = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] += room[i] * roomScale;
    peak = Math.max(peak, Math.abs(out[i]));
  }
  const gain = peakGain(peak, style.peakDb);
  for (let i = 0; i < out.length; i++) out[i] *= gain;
  return out;
}

export const formantFamily: ImitatorFamily<FormantStyle> = {
  id: 'formant',
  description: 'a subtractive formant voice (sawtooth through three band-passes) or a whistle, following pitch, loudness and brightness',
  draw: drawFormantStyle,
  synthesise: synthesiseFormant,
};
