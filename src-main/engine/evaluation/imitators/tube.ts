import { gaussian, uniform } from '../../random.ts';
import { IMITATION_SAMPLE_RATE, MAX_IMITATION_SECONDS, medianTonalPitch, peakLoudness, trackAt, type ReferenceTracks } from './analysis.ts';
import { peakGain, type ImitatorFamily } from './family.ts';

/**
 * A physical voice: a Kelly-Lochbaum waveguide vocal tract (one scattering junction per
 * 0.55 cm section at 32 kHz) excited by a Rosenberg glottal pulse. The performer articulates:
 * the tongue moves forward as the reference gets brighter and the jaw and lips open as it gets
 * louder, so the formants move because the tube's shape moves, not because a filter is told
 * where to put them. Where the reference is noise, the glottis stops and a constriction forms
 * (near the teeth for bright noise, at the velum for dark), with turbulence injected there.
 */

const TUBE_RATE = 32000;
const SOUND_SPEED_CM = 35000;
const CONTROL_BLOCK = 32; // samples at 32 kHz between articulation updates (1 ms)

export interface TubeStyle {
  /** Tract length in cm (a child's ~14.5 to a large adult's ~18.5): the section count follows. */
  tractCm: number;
  /** The performer's comfortable pitch, Hz: the reference's median pitch is moved here. */
  registerHz: number;
  /** Share of the reference's pitch gesture (in octaves) the performer reproduces, 0.5-1. */
  contourKeep: number;
  /** Rosenberg pulse: open phase share of the period, and how much of it is rising. */
  openQuotient: number;
  riseShare: number;
  /** Aspiration noise at the glottis relative to the pulse, 0.02-0.25. */
  breathiness: number;
  /** Cycle-to-cycle pitch jitter, fraction. */
  jitter: number;
  /** Some performers voice noisy sounds (a growl) instead of whispering them: 0-0.35. */
  voicingBias: number;
  /** Tongue and jaw move with this time constant, seconds (30-90 ms). */
  articulationSec: number;
  stretch: number;
  onsetSec: number;
  /** Recording chain: microphone band, early reflections of a small room, background SNR, peak level. */
  micLowHz: number;
  micHighHz: number;
  roomDelaysMs: [number, number, number];
  roomGain: number;
  snrDb: number;
  peakDb: number;
}

function drawTubeStyle(rand: () => number): TubeStyle {
  return {
    tractCm: uniform(rand, 14.5, 18.5),
    registerHz: Math.exp(uniform(rand, Math.log(85), Math.log(260))),
    contourKeep: uniform(rand, 0.5, 1),
    openQuotient: uniform(rand, 0.45, 0.7),
    riseShare: uniform(rand, 0.6, 0.8),
    breathiness: uniform(rand, 0.02, 0.25),
    jitter: uniform(rand, 0.003, 0.015),
    voicingBias: uniform(rand, 0, 0.35),
    articulationSec: uniform(rand, 0.03, 0.09),
    stretch: Math.exp(uniform(rand, Math.log(0.75), Math.log(1.33))),
    onsetSec: uniform(rand, 0.05, 0.6),
    micLowHz: uniform(rand, 80, 250),
    micHighHz: uniform(rand, 4500, 7500),
    roomDelaysMs: [uniform(rand, 2.5, 6), uniform(rand, 6, 11), uniform(rand, 11, 19)],
    roomGain: uniform(rand, 0.05, 0.35),
    snrDb: uniform(rand, 18, 40),
    peakDb: uniform(rand, -14, -2),
  };
}

/** Where the tongue is and how open the mouth is; turned into one diameter per section. */
interface Articulation {
  /** Place of the main constriction along the tract, 0 (glottis) .. 1 (lips). */
  place: number;
  /** Smallest diameter there, cm. */
  narrowCm: number;
  /** Lip opening, cm. */
  lipsCm: number;
}

function diameters(a: Articulation, sections: number, out: Float64Array): void {
  for (let i = 0; i < sections; i++) {
    const x = i / (sections - 1);
    // A neutral tube (schwa), narrowed at the glottis, then the tongue body as a smooth dip.
    let d = 1.9 - 1.1 * Math.exp(-((x / 0.08) ** 2));
    const dip = Math.exp(-(((x - a.place) / 0.13) ** 2));
    d = d - (d - a.narrowCm) * dip;
    if (x > 0.88) d = d + (a.lipsCm - d) * ((x - 0.88) / 0.12);
    out[i] = Math.max(0.12, d);
  }
}

function synthesiseTube(tracks: ReferenceTracks, style: TubeStyle, rand: () => number): Float32Array {
  const sections = Math.round(style.tractCm / (SOUND_SPEED_CM / (2 * TUBE_RATE)));
  const frames = tracks.loudness.length;
  const seconds = Math.min(MAX_IMITATION_SECONDS, style.onsetSec + frames * tracks.hopSec * style.stretch + 0.2);
  const total = Math.ceil(seconds * TUBE_RATE);
  const wave = new Float64Array(total);

  const peak = peakLoudness(tracks);
  const median = medianTonalPitch(tracks);
  // The pitch gesture the performer follows: the tonal pitch where there is one, else the brightness (people sing noise's colour).
  const gesture = new Float32Array(frames);
  const centre = median ?? (Array.from(tracks.centroid).sort((a, b) => a - b)[frames >> 1] || 1000);
  let held = 0;
  for (let f = 0; f < frames; f++) {
    const tonal = median !== undefined && tracks.tonality[f] > 0.3 && tracks.loudness[f] > peak * 0.05;
    if (tonal) held = Math.log2(tracks.pitch[f] / centre);
    else if (median === undefined) held = 0.35 * Math.log2(Math.max(100, tracks.centroid[f]) / centre);
    gesture[f] = held;
  }

  const R = new Float64Array(sections);
  const L = new Float64Array(sections);
  const outR = new Float64Array(sections + 1);
  const outL = new Float64Array(sections + 1);
  const reflection = new Float64Array(sections);
  const target = new Float64Array(sections);
  const current = new Float64Array(sections);
  diameters({ place: 0.5, narrowCm: 1.4, lipsCm: 1 }, sections, current);

  const start = Math.round(style.onsetSec * TUBE_RATE);
  const follow = 1 - Math.exp(-CONTROL_BLOCK / (style.articulationSec * TUBE_RATE));
  let place = 0.5;
  let narrow = 1.4;
  let lips = 1;
  let voicing = 0;
  let level = 0;
  let fricativeAt = sections - 3;
  let turbulence = 0;
  let phase = 0;
  let periodJitter = 1;
  let previousFlow = 0;
  let lipMemory = 0;
  const lipPole = Math.exp((-2 * Math.PI * 3500) / TUBE_RATE);
  // Both noises are low-passed before the tract, as a real jet's spectrum falls; the lips' differentiator would otherwise make them pure hiss.
  let breath = 0;
  let jet = 0;
  const breathPole = Math.exp((-2 * Math.PI * 1200) / TUBE_RATE);
  const jetPole = Math.exp((-2 * Math.PI * 3000) / TUBE_RATE);
  for (let n = start; n < total; n++) {
    const frame = (n - start) / (TUBE_RATE * style.stretch * tracks.hopSec);
    if ((n - start) % CONTROL_BLOCK === 0) {
      const inside = frame < frames;
      const loud = inside ? Math.min(1, trackAt(tracks.loudness, frame) / peak) : 0;
      const bright = Math.min(1, Math.max(0, Math.log2(Math.max(1, trackAt(tracks.centroid, frame)) / 400) / 3.5));
      const tonal = inside ? trackAt(tracks.tonality, frame) : 0;
      // In near-silence the tonality means nothing: the performer stays voiced or unvoiced as they were.
      const voicedTarget = loud < 0.05 ? voicing : Math.min(1, Math.max(0, (tonal - 0.15) / 0.3) + style.voicingBias);
      voicing += (voicedTarget - voicing) * follow;
      level += ((loud ** 0.6) - level) * (1 - Math.exp(-CONTROL_BLOCK / ((loud ** 0.6 > level ? 0.012 : 0.045) * TUBE_RATE)));
      // Vowel space: back and rounded for dark sounds ("oo"), open for loud mid ones ("ah"), front and spread for bright ("ee").
      const placeTarget = 0.25 + 0.55 * bright;
      const narrowTarget = 0.35 + 0.9 * (1 - Math.abs(bright - 0.45) * 1.6) * (0.4 + 0.6 * loud);
      const lipsTarget = (0.3 + 1.7 * loud) * (bright < 0.3 ? 0.4 + 2 * bright : 1);
      const fricative = 1 - voicedTarget;
      place += (placeTarget + fricative * (0.6 + 0.35 * bright - placeTarget) - place) * follow;
      narrow += (Math.max(0.15, narrowTarget * (1 - 0.8 * fricative)) - narrow) * follow;
      lips += (Math.max(0.2, lipsTarget) - lips) * follow;
      diameters({ place, narrowCm: narrow, lipsCm: lips }, sections, target);
      fricativeAt = Math.min(sections - 2, Math.max(1, Math.round(place * (sections - 1))));
      turbulence = fricative * level;
    }
    if ((n - start) % 4 === 0) {
      for (let i = 0; i < sections; i++) current[i] += (target[i] - current[i]) * 0.02;
      for (let i = 1; i < sections; i++) {
        const a0 = current[i - 1] ** 2;
        const a1 = current[i] ** 2;
        reflection[i] = (a0 - a1) / (a0 + a1);
      }
    }
    // Rosenberg glottal flow, with jitter drawn once per cycle.
    const inside = frame < frames + 2;
    const f0 = style.registerHz * 2 ** (style.contourKeep * trackAt(gesture, frame)) * periodJitter;
    phase += f0 / TUBE_RATE;
    if (phase >= 1) {
      phase -= 1;
      periodJitter = 1 + style.jitter * gaussian(rand);
    }
    const open = style.openQuotient;
    const rise = open * style.riseShare;
    let flow = 0;
    if (phase < rise) flow = 0.5 * (1 - Math.cos((Math.PI * phase) / rise));
    else if (phase < open) flow = Math.cos((Math.PI * (phase - rise)) / (2 * (open - rise)));
    breath = breathPole * breath + (1 - breathPole) * gaussian(rand);
    const aspiration = style.breathiness * 0.15 * breath * flow;
    const source = inside ? level * voicing * (flow + aspiration) : 0;

    outR[0] = L[0] * 0.75 + source;
    // The open mouth reflects the low frequencies and lets the high ones radiate away, which is what keeps the upper formants broad.
    lipMemory = lipPole * lipMemory + (1 - lipPole) * R[sections - 1];
    outL[sections] = -0.9 * lipMemory;
    for (let i = 1; i < sections; i++) {
      const w = reflection[i] * (R[i - 1] + L[i]);
      outR[i] = R[i - 1] - w;
      outL[i] = L[i] + w;
    }
    // Turbulence at the constriction: louder the narrower it is.
    jet = jetPole * jet + (1 - jetPole) * gaussian(rand);
    const noise = inside ? turbulence * jet * 0.12 * Math.min(1, 0.3 / Math.max(0.05, current[fricativeAt])) : 0;
    outR[fricativeAt] += noise;
    outL[fricativeAt] += noise;
    for (let i = 0; i < sections; i++) {
      R[i] = outR[i] * 0.999;
      L[i] = outL[i + 1] * 0.999;
    }
    // Radiation from the lips is roughly a differentiator.
    const lipFlow = R[sections - 1];
    wave[n] = lipFlow - previousFlow;
    previousFlow = lipFlow;
  }
  return tubeRecording(wave, style, rand);
}

/**
 * This performer's room and phone: a few early reflections, a two-pole-ish band from cascaded
 * one-pole sections, a fan's low rumble plus hiss, down to 16 kHz through a windowed-sinc
 * half-band, then the level they happened to record at.
 */
function tubeRecording(wave: Float64Array, style: TubeStyle, rand: () => number): Float32Array {
  const room = Float64Array.from(wave);
  style.roomDelaysMs.forEach((ms, k) => {
    const d = Math.round((ms / 1000) * TUBE_RATE);
    const g = style.roomGain * (k % 2 ? -0.8 : 1) * 0.8 ** k;
    for (let i = d; i < room.length; i++) room[i] += g * wave[i - d];
  });
  const hp = Math.exp((-2 * Math.PI * style.micLowHz) / TUBE_RATE);
  const lp = Math.exp((-2 * Math.PI * style.micHighHz) / TUBE_RATE);
  let h1x = 0, h1y = 0, h2x = 0, h2y = 0, l1 = 0, l2 = 0;
  for (let i = 0; i < room.length; i++) {
    const a = hp * (h1y + room[i] - h1x);
    h1x = room[i];
    h1y = a;
    const b = hp * (h2y + a - h2x);
    h2x = a;
    h2y = b;
    l1 = (1 - lp) * b + lp * l1;
    l2 = (1 - lp) * l1 + lp * l2;
    room[i] = l2;
  }
  // Half-band low-pass (31-tap Blackman-windowed sinc at 8 kHz), keeping every other sample.
  const taps = 31;
  const kernel = new Float64Array(taps);
  let sum = 0;
  for (let k = 0; k < taps; k++) {
    const m = k - (taps - 1) / 2;
    const sinc = m === 0 ? 1 : Math.sin(0.45 * Math.PI * m) / (0.45 * Math.PI * m);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * k) / (taps - 1)) + 0.08 * Math.cos((4 * Math.PI * k) / (taps - 1));
    kernel[k] = sinc * w;
    sum += kernel[k];
  }
  const out = new Float32Array(Math.floor(room.length / 2));
  let signalPower = 0;
  let active = 0;
  const values = new Float64Array(out.length);
  for (let j = 0; j < out.length; j++) {
    let acc = 0;
    for (let k = 0; k < taps; k++) {
      const i = 2 * j + k - (taps - 1) / 2;
      if (i >= 0 && i < room.length) acc += kernel[k] * room[i];
    }
    values[j] = acc / sum;
    if (Math.abs(values[j]) > 1e-6) {
      signalPower += values[j] ** 2;
      active++;
    }
  }
  const noiseRms = Math.sqrt(signalPower / Math.max(1, active)) * 10 ** (-style.snrDb / 20) || 1e-6;
  // Fan rumble: white noise through a resonance near 150 Hz, plus a thinner hiss, at the chosen SNR.
  const w0 = (2 * Math.PI * 150) / IMITATION_SAMPLE_RATE;
  const r = 0.97;
  let y1 = 0, y2 = 0;
  const fan = new Float64Array(out.length);
  let fanPower = 0;
  for (let j = 0; j < out.length; j++) {
    const y = gaussian(rand) + 2 * r * Math.cos(w0) * y1 - r * r * y2;
    y2 = y1;
    y1 = y;
    fan[j] = y;
    fanPower += y * y;
  }
  const fanScale = 0.9 / Math.sqrt(fanPower / Math.max(1, out.length) || 1);
  let peak = 0;
  for (let j = 0; j < out.length; j++) {
    values[j] += noiseRms * (fanScale * fan[j] + 0.45 * gaussian(rand));
    peak = Math.max(peak, Math.abs(values[j]));
  }
  const gain = peakGain(peak, style.peakDb);
  for (let j = 0; j < out.length; j++) out[j] = values[j] * gain;
  return out;
}

export const tubeFamily: ImitatorFamily<TubeStyle> = {
  id: 'tube',
  description: 'a Kelly-Lochbaum vocal tract with a Rosenberg glottis, articulating with brightness and loudness; turbulence at a constriction for noise',
  draw: drawTubeStyle,
  synthesise: synthesiseTube,
};
