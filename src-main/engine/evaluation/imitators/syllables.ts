import { gaussian, uniform } from '../../random.ts';
import { IMITATION_SAMPLE_RATE, MAX_IMITATION_SECONDS, peakLoudness, type ReferenceTracks } from './analysis.ts';
import { addHiss, peakGain, type ImitatorFamily } from './family.ts';

/**
 * A performer who says the sound: every event of the reference becomes an onomatopoeic
 * syllable ("pew", "boom", "tsss", "ka", "wee", "ting", ...) chosen from how the event starts
 * (sharp or soft), where its pitch goes, how bright and how long it is. The syllables come
 * from a small phoneme synthesiser of its own: vowels and nasals by FOF grains (one damped
 * sinusoid per formant launched every glottal period), fricatives and bursts from shaped
 * noise, with a plosive's closure before its burst. Speech melody replaces the reference's
 * pitch: only its direction survives, in the speaker's register.
 */

const RATE = IMITATION_SAMPLE_RATE;
const ATTACK = 0.003 * RATE;
const GRAIN_LIFE = 0.03 * RATE;

export interface SyllableStyle {
  /** Speaking pitch, Hz, and how many semitones an event's pitch direction moves it (either way). */
  registerHz: number;
  intonationSemitones: number;
  /** Formants scaled by the speaker's size. */
  formantScale: number;
  /** Syllables take this share of their event's length (a talker is quicker or slower than the sound). */
  pace: number;
  /** Some talkers add a schwa before a sharp hit ("uh-boom"): chance per event. */
  leadInChance: number;
  onsetSec: number;
  /** Recording chain: headset low cut, automatic gain control depth (0-0.6), hum-free white noise SNR, level. */
  micLowHz: number;
  agcDepth: number;
  snrDb: number;
  peakDb: number;
}

function drawSyllableStyle(rand: () => number): SyllableStyle {
  return {
    registerHz: Math.exp(uniform(rand, Math.log(100), Math.log(280))),
    intonationSemitones: uniform(rand, 3, 9),
    formantScale: uniform(rand, 0.9, 1.15),
    pace: uniform(rand, 0.7, 1.3),
    leadInChance: uniform(rand, 0, 0.3),
    onsetSec: uniform(rand, 0.05, 0.5),
    micLowHz: uniform(rand, 120, 300),
    agcDepth: uniform(rand, 0, 0.6),
    snrDb: uniform(rand, 20, 40),
    peakDb: uniform(rand, -10, -1),
  };
}

type Vowel = 'a' | 'e' | 'i' | 'o' | 'u' | 'schwa';
type Phoneme = Vowel | 'm' | 'n' | 'ng' | 's' | 'sh' | 'h' | 'p' | 't' | 'k' | 'b' | 'd' | 'w';

// Formant frequencies (Hz), bandwidths (Hz) and levels for the voiced sounds.
const VOICED: Record<Vowel | 'm' | 'n' | 'ng' | 'w', { f: number[]; bw: number[]; amp: number[] }> = {
  a: { f: [730, 1090, 2440], bw: [80, 90, 120], amp: [1, 0.5, 0.2] },
  e: { f: [530, 1840, 2480], bw: [60, 100, 120], amp: [1, 0.4, 0.25] },
  i: { f: [270, 2290, 3010], bw: [50, 100, 150], amp: [1, 0.3, 0.25] },
  o: { f: [570, 840, 2410], bw: [70, 80, 120], amp: [1, 0.6, 0.1] },
  u: { f: [300, 870, 2240], bw: [50, 80, 120], amp: [1, 0.3, 0.05] },
  schwa: { f: [500, 1500, 2500], bw: [80, 100, 140], amp: [1, 0.4, 0.15] },
  w: { f: [290, 610, 2150], bw: [50, 80, 120], amp: [1, 0.3, 0.05] },
  m: { f: [250, 1000, 2200], bw: [60, 200, 300], amp: [0.8, 0.08, 0.03] },
  n: { f: [250, 1700, 2600], bw: [60, 200, 300], amp: [0.8, 0.08, 0.04] },
  ng: { f: [250, 2300, 2800], bw: [60, 200, 300], amp: [0.8, 0.08, 0.04] },
};

/** One syllable: phonemes with their share of the syllable's length (a fixed length in seconds for stops). */
interface Segment {
  phoneme: Phoneme;
  share?: number;
  seconds?: number;
}

const SYLLABLES: Record<string, Segment[]> = {
  pew: [{ phoneme: 'p', seconds: 0.05 }, { phoneme: 'i', share: 0.4 }, { phoneme: 'u', share: 0.6 }],
  boom: [{ phoneme: 'b', seconds: 0.04 }, { phoneme: 'u', share: 0.55 }, { phoneme: 'm', share: 0.45 }],
  dum: [{ phoneme: 'd', seconds: 0.04 }, { phoneme: 'schwa', share: 0.5 }, { phoneme: 'm', share: 0.5 }],
  tsss: [{ phoneme: 't', seconds: 0.03 }, { phoneme: 's', share: 1 }],
  shhh: [{ phoneme: 'sh', share: 1 }],
  ka: [{ phoneme: 'k', seconds: 0.05 }, { phoneme: 'a', share: 1 }],
  tk: [{ phoneme: 't', seconds: 0.03 }, { phoneme: 'k', seconds: 0.04 }],
  hoo: [{ phoneme: 'h', share: 0.4 }, { phoneme: 'u', share: 0.6 }],
  wee: [{ phoneme: 'w', share: 0.25 }, { phoneme: 'i', share: 0.75 }],
  woo: [{ phoneme: 'w', share: 0.25 }, { phoneme: 'u', share: 0.75 }],
  yoo: [{ phoneme: 'i', share: 0.3 }, { phoneme: 'u', share: 0.7 }],
  ting: [{ phoneme: 't', seconds: 0.03 }, { phoneme: 'i', share: 0.6 }, { phoneme: 'ng', share: 0.4 }],
  dong: [{ phoneme: 'd', seconds: 0.04 }, { phoneme: 'o', share: 0.6 }, { phoneme: 'ng', share: 0.4 }],
  mmm: [{ phoneme: 'm', share: 1 }],
  ee: [{ phoneme: 'e', share: 0.3 }, { phoneme: 'i', share: 0.7 }],
  oo: [{ phoneme: 'o', share: 0.3 }, { phoneme: 'u', share: 0.7 }],
};

export interface SpokenEvent {
  syllable: keyof typeof SYLLABLES;
  startSec: number;
  seconds: number;
  level: number;
  /** Pitch direction of the event, -1 (falling) .. 1 (rising). */
  direction: number;
}

/** The reference's events and the word for each (exported so the choice can be checked on its own). */
export function spokenEvents(tracks: ReferenceTracks): SpokenEvent[] {
  const frames = tracks.loudness.length;
  const peak = peakLoudness(tracks);
  const onsets = tracks.onsets.length ? tracks.onsets : [{ frame: 0, riseDb: 0, strength: 0, attackSec: 1 }];
  return onsets.map((onset, k) => {
    const next = k + 1 < onsets.length ? onsets[k + 1].frame : frames;
    let top = 0;
    for (let f = onset.frame; f < next; f++) top = Math.max(top, tracks.loudness[f]);
    let end = next;
    while (end > onset.frame + 1 && tracks.loudness[end - 1] < 0.1 * top) end--;
    const n = end - onset.frame;
    let tonal = 0;
    let logCentroid = 0;
    const pitches: number[] = [];
    for (let f = onset.frame; f < end; f++) {
      tonal += tracks.tonality[f] / n;
      logCentroid += Math.log2(Math.max(50, tracks.centroid[f])) / n;
      if (tracks.tonality[f] > 0.3 && tracks.loudness[f] > 0.2 * top) pitches.push(Math.log2(tracks.pitch[f]));
    }
    const edge = Math.max(1, Math.floor(pitches.length / 4));
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
    // Narrow noise (a rumble) can pass the tonality test; a real pitch also glides smoothly (it stays near the line
    // through its neighbours 40 ms either side), while noise's strongest peak jumps about.
    const wobble = pitches.slice(8).map((p, i) => Math.abs(pitches[i + 4] - (p + pitches[i]) / 2)).sort((a, b) => a - b);
    const steady = wobble.length > 0 && wobble[wobble.length >> 1] < 0.1;
    const rise = pitches.length >= 4 ? mean(pitches.slice(-edge)) - mean(pitches.slice(0, edge)) : 0;
    const seconds = n * tracks.hopSec;
    const centroid = 2 ** logCentroid;
    const sharp = onset.attackSec < 0.03;
    const bright = centroid > 2000;
    const dark = centroid < 600;
    let syllable: keyof typeof SYLLABLES;
    if (pitches.length >= 8 && tonal > 0.4 && steady) {
      if (rise < -0.25) syllable = sharp ? 'pew' : 'yoo';
      else if (rise > 0.25) syllable = centroid > 1000 ? 'wee' : 'woo';
      else if (sharp) syllable = centroid > 1000 ? 'ting' : 'dong';
      else syllable = dark ? 'mmm' : centroid > 1000 ? 'ee' : 'oo';
    } else if (bright) syllable = seconds > 0.25 ? (sharp ? 'tsss' : 'shhh') : seconds < 0.08 ? 'tk' : 'ka';
    else if (dark) syllable = sharp ? (seconds > 0.3 ? 'boom' : 'dum') : 'hoo';
    else syllable = seconds > 0.3 ? (sharp ? 'tsss' : 'shhh') : 'ka';
    return { syllable, startSec: onset.frame * tracks.hopSec, seconds, level: top / peak, direction: Math.max(-1, Math.min(1, rise / 0.5)) };
  });
}

/** A FOF grain: a sinusoid at the formant (rotated as a phasor, cos/sin of one sample's step) whose envelope decays by `decay` each sample. */
interface Grain {
  age: number;
  cos: number;
  sin: number;
  re: number;
  im: number;
  envelope: number;
  decay: number;
}

/** The speaker's voice box: speaks one syllable into `out` from sample `at`. */
function speak(out: Float64Array, at: number, event: SpokenEvent, length: number, style: SyllableStyle, rand: () => number): void {
  const segments = SYLLABLES[event.syllable];
  const fixed = segments.reduce((s, g) => s + Math.round((g.seconds ?? 0) * RATE), 0);
  const flexible = Math.max(Math.round(0.04 * RATE), length - fixed);
  const shares = segments.reduce((s, g) => s + (g.share ?? 0), 0) || 1;
  let n = at;
  let phase = 0;
  const grains: Grain[] = [];
  let hiss1 = 0;
  let hiss2 = 0;
  let res1 = 0;
  let res2 = 0;
  const level = event.level ** 0.5;
  const total = segments.reduce((s, g) => s + (g.seconds !== undefined ? Math.round(g.seconds * RATE) : Math.round(((g.share ?? 0) / shares) * flexible)), 0);
  let spoken = 0;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s];
    const count = seg.seconds !== undefined ? Math.round(seg.seconds * RATE) : Math.round(((seg.share ?? 0) / shares) * flexible);
    const nextVoiced = segments.slice(s + 1).find((g) => g.phoneme in VOICED)?.phoneme as keyof typeof VOICED | undefined;
    for (let i = 0; i < count && n < out.length; i++, n++, spoken++) {
      const u = spoken / Math.max(1, total);
      // Intonation: the event's direction, across the syllable, with a little declination.
      const f0 = style.registerHz * 2 ** ((event.direction * style.intonationSemitones * (u - 0.5)) / 12 - 0.05 * u);
      const edge = Math.min(1, spoken / (0.008 * RATE), (total - spoken) / (0.02 * RATE));
      let y = 0;
      if (seg.phoneme in VOICED) {
        const v = VOICED[seg.phoneme as keyof typeof VOICED];
        // Coarticulation: the last 30 % of a voiced segment glides toward the next voiced one's formants.
        const toward = nextVoiced ? VOICED[nextVoiced] : v;
        const glide = Math.max(0, (i / count - 0.7) / 0.3);
        phase += f0 / RATE;
        if (phase >= 1) {
          phase -= 1;
          for (let k = 0; k < 3; k++) {
            const freq = (v.f[k] + (toward.f[k] - v.f[k]) * glide) * style.formantScale;
            const w = (2 * Math.PI * freq) / RATE;
            grains.push({ age: 0, cos: Math.cos(w), sin: Math.sin(w), re: 1, im: 0, envelope: v.amp[k] * (0.97 + 0.06 * rand()), decay: Math.exp((-Math.PI * v.bw[k]) / RATE) });
          }
        }
      } else if (seg.phoneme === 's' || seg.phoneme === 't') {
        // Teeth: twice-differenced noise, all hiss above 4 kHz.
        const w = gaussian(rand);
        y = 0.35 * (w - 2 * hiss1 + hiss2);
        hiss2 = hiss1;
        hiss1 = w;
        if (seg.phoneme === 't') y *= 0.3 * Math.exp(-i / (0.008 * RATE));
      } else if (seg.phoneme === 'sh' || seg.phoneme === 'k') {
        // Palate: noise through a resonance near 2.5 kHz (k: a short burst of it).
        const hz = (seg.phoneme === 'k' ? 1900 : 2600) * style.formantScale;
        const r = 0.93;
        const y0 = (1 - r) * 4 * gaussian(rand) + 2 * r * Math.cos((2 * Math.PI * hz) / RATE) * res1 - r * r * res2;
        res2 = res1;
        res1 = y0;
        y = y0 * (seg.phoneme === 'k' ? 1.2 * Math.exp(-Math.max(0, i - 0.02 * RATE) / (0.01 * RATE)) * (i > 0.02 * RATE ? 1 : 0) : 1);
      } else if (seg.phoneme === 'p' || seg.phoneme === 'b' || seg.phoneme === 'd') {
        // Lips or tongue closed, then released: silence (a voice bar for b and d), then a burst.
        const release = count * 0.6;
        if (i < release) y = seg.phoneme === 'p' ? 0 : 0.05 * Math.sin(2 * Math.PI * f0 * (i / RATE));
        else y = (seg.phoneme === 'p' ? 0.35 : 0.25) * gaussian(rand) * Math.exp(-(i - release) / (0.004 * RATE));
      } else if (seg.phoneme === 'h') {
        y = 0.15 * gaussian(rand) * Math.min(1, i / (0.03 * RATE));
      }
      for (let g = grains.length - 1; g >= 0; g--) {
        const grain = grains[g];
        // A raised-cosine attack over 3 ms, then the formant's exponential decay.
        const attack = grain.age < ATTACK ? 0.5 - 0.5 * Math.cos((Math.PI * grain.age) / ATTACK) : 1;
        const re = grain.re * grain.cos - grain.im * grain.sin;
        grain.im = grain.re * grain.sin + grain.im * grain.cos;
        grain.re = re;
        y += 0.35 * attack * grain.envelope * grain.im;
        grain.envelope *= grain.decay;
        if (++grain.age > GRAIN_LIFE) {
          grains[g] = grains[grains.length - 1];
          grains.pop();
        }
      }
      out[n] += level * edge * y;
    }
  }
}

function synthesiseSyllables(tracks: ReferenceTracks, style: SyllableStyle, rand: () => number): Float32Array {
  const events = spokenEvents(tracks);
  const seconds = Math.min(MAX_IMITATION_SECONDS, style.onsetSec + tracks.loudness.length * tracks.hopSec + 0.4);
  const out = new Float64Array(Math.ceil(seconds * RATE));
  for (let e = 0; e < events.length; e++) {
    const event = events[e];
    let at = Math.round((style.onsetSec + event.startSec) * RATE);
    // A word needs at least 80 ms to be said and must end before the next one starts.
    const room = e + 1 < events.length ? Math.round((events[e + 1].startSec - event.startSec) * RATE) : Number.POSITIVE_INFINITY;
    const length = Math.min(room, Math.max(Math.round(0.08 * RATE), Math.round(event.seconds * style.pace * RATE)));
    if (event.level > 0.5 && rand() < style.leadInChance && at > 0.12 * RATE) {
      const lead = Math.round(0.09 * RATE);
      speak(out, at - lead, { ...event, syllable: 'oo', level: event.level * 0.3, direction: 0 }, lead, style, rand);
    }
    if (at >= out.length) break;
    at = Math.max(0, at);
    speak(out, at, event, length, style, rand);
  }
  return syllableRecording(out, style, rand);
}

/** A headset: first-order low cut, a phone's slow automatic gain control, white noise, the level. */
function syllableRecording(x: Float64Array, style: SyllableStyle, rand: () => number): Float32Array {
  const c = Math.exp((-2 * Math.PI * style.micLowHz) / RATE);
  let px = 0;
  let py = 0;
  let follower = 0;
  let power = 0;
  let active = 0;
  let reference = 0;
  for (const v of x) reference = Math.max(reference, Math.abs(v));
  for (let i = 0; i < x.length; i++) {
    const y = c * (py + x[i] - px);
    px = x[i];
    py = y;
    follower = Math.max(Math.abs(y), follower * Math.exp(-1 / (0.3 * RATE)));
    // The AGC lifts quiet words toward the loud ones by agcDepth (in log terms), by at most 26 dB so silence stays silence.
    x[i] = y * ((reference || 1) / Math.max(follower, 0.05 * (reference || 1))) ** style.agcDepth;
    if (Math.abs(x[i]) > 1e-6) {
      power += x[i] * x[i];
      active++;
    }
  }
  const peak = addHiss(x, Math.sqrt(power / Math.max(1, active)), style.snrDb, rand);
  const gain = peakGain(peak, style.peakDb);
  return Float32Array.from(x, (v) => v * gain);
}

export const syllablesFamily: ImitatorFamily<SyllableStyle> = {
  id: 'syllables',
  description: 'onomatopoeic syllables ("pew", "boom", "tsss", "ka", "wee") from its own FOF-and-noise phoneme synthesiser, one word per event',
  draw: drawSyllableStyle,
  synthesise: synthesiseSyllables,
};
