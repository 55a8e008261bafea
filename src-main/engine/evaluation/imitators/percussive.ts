import { gaussian, uniform } from '../../random.ts';
import { IMITATION_SAMPLE_RATE, MAX_IMITATION_SECONDS, peakLoudness, trackAt, type ReferenceTracks } from './analysis.ts';
import { addHiss, peakGain, type ImitatorFamily } from './family.ts';

/**
 * A mouth that makes noises instead of notes: at each of the reference's onsets it places an
 * attack chosen from the event (a beatbox kick for a dark hit, a tongue click for a very short
 * one, a "t"/"k" burst for a bright one), then holds long events as a "tsss" fricative shaped
 * by the brightness track, or as a trill (noise chopped at the tongue's 18-32 Hz) where the
 * reference is rough. Nothing is pitched except the kick's falling thump, so it keeps rhythm,
 * envelope and colour and throws away melody.
 */

const RATE = IMITATION_SAMPLE_RATE;

export interface PercussiveStyle {
  stretch: number;
  onsetSec: number;
  /** Each event lands up to this far (s) from where the stretched timeline puts it. */
  eventJitterSec: number;
  /** Kick: the thump falls from startHz to endHz in dropSec. */
  kickStartHz: number;
  kickEndHz: number;
  kickDropSec: number;
  /** How fast this performer's tongue trills, Hz. */
  trillHz: number;
  /** How long a plosive burst rings, s. */
  burstDecaySec: number;
  /** The performer's fricative colour relative to the reference's centroid, octaves. */
  colourOctaves: number;
  /** Fricative bodies relative to attacks, linear. */
  bodyGain: number;
  /** Recording chain: two-pole high and low cuts, hiss SNR, peak level. */
  micLowHz: number;
  micHighHz: number;
  snrDb: number;
  peakDb: number;
}

function drawPercussiveStyle(rand: () => number): PercussiveStyle {
  return {
    stretch: Math.exp(uniform(rand, Math.log(0.8), Math.log(1.25))),
    onsetSec: uniform(rand, 0.05, 0.5),
    eventJitterSec: uniform(rand, 0, 0.03),
    kickStartHz: uniform(rand, 110, 200),
    kickEndHz: uniform(rand, 40, 65),
    kickDropSec: uniform(rand, 0.03, 0.09),
    trillHz: uniform(rand, 18, 32),
    burstDecaySec: uniform(rand, 0.01, 0.04),
    colourOctaves: uniform(rand, -0.7, 0.5),
    bodyGain: uniform(rand, 0.4, 1.1),
    micLowHz: uniform(rand, 60, 200),
    micHighHz: uniform(rand, 5000, 7600),
    snrDb: uniform(rand, 15, 35),
    peakDb: uniform(rand, -10, -1),
  };
}

/** A trapezoidal (zero-delay-feedback) state-variable filter: low, band and high from one structure, retunable per sample and stable at any setting. */
class StateVariable {
  private s1 = 0;
  private s2 = 0;
  private a1 = 1;
  private a2 = 0;
  private a3 = 0;
  private k = 1;
  tune(hz: number, q: number): void {
    const g = Math.tan((Math.PI * Math.min(hz, RATE * 0.49)) / RATE);
    this.k = 1 / q;
    this.a1 = 1 / (1 + g * (g + this.k));
    this.a2 = g * this.a1;
    this.a3 = g * this.a2;
  }
  run(x: number): { low: number; band: number; high: number } {
    const v3 = x - this.s2;
    const band = this.a1 * this.s1 + this.a2 * v3;
    const low = this.s2 + this.a2 * this.s1 + this.a3 * v3;
    this.s1 = 2 * band - this.s1;
    this.s2 = 2 * low - this.s2;
    return { low, band, high: x - this.k * band - low };
  }
}

type Attack = 'kick' | 'click' | 'burst';

interface PercussiveEvent {
  startFrame: number;
  endFrame: number;
  attack: Attack;
  body: 'fricative' | 'trill' | 'none';
  level: number;
}

/** What kind of mouth noise each onset becomes, read off the stretch of reference it opens. */
function events(tracks: ReferenceTracks): PercussiveEvent[] {
  const frames = tracks.loudness.length;
  const peak = peakLoudness(tracks);
  const onsets = tracks.onsets.length ? tracks.onsets : [{ frame: 0, riseDb: 0, strength: 0, attackSec: 1 }];
  return onsets.map((onset, k) => {
    const limit = k + 1 < onsets.length ? onsets[k + 1].frame : frames;
    let top = 0;
    for (let f = onset.frame; f < Math.min(limit, onset.frame + 5); f++) top = Math.max(top, tracks.loudness[f]);
    // The event lasts while it stays within 20 dB of its own peak.
    let end = onset.frame + 1;
    while (end < limit && tracks.loudness[end] > top * 0.1) end++;
    let centroid = 0;
    let roughness = 0;
    for (let f = onset.frame; f < end; f++) {
      centroid += tracks.centroid[f] / (end - onset.frame);
      if (f > onset.frame) roughness += Math.abs(Math.log((tracks.loudness[f] + 1e-6) / (tracks.loudness[f - 1] + 1e-6))) / (end - onset.frame);
    }
    const seconds = (end - onset.frame) * tracks.hopSec;
    const attack: Attack = centroid < 450 && onset.riseDb >= 8 ? 'kick' : seconds < 0.06 ? 'click' : 'burst';
    const body = seconds < 0.12 ? 'none' : roughness > 0.12 ? 'trill' : 'fricative';
    return { startFrame: onset.frame, endFrame: end, attack, body, level: Math.min(1, top / peak) ** 0.5 };
  });
}

function synthesisePercussive(tracks: ReferenceTracks, style: PercussiveStyle, rand: () => number): Float32Array {
  const frames = tracks.loudness.length;
  const seconds = Math.min(MAX_IMITATION_SECONDS, style.onsetSec + frames * tracks.hopSec * style.stretch + style.eventJitterSec + 0.25);
  const out = new Float64Array(Math.ceil(seconds * RATE));
  const peak = peakLoudness(tracks);
  const toSample = (frame: number): number => Math.round((style.onsetSec + frame * tracks.hopSec * style.stretch) * RATE);

  for (const event of events(tracks)) {
    const at = Math.max(0, toSample(event.startFrame) + Math.round(uniform(rand, -1, 1) * style.eventJitterSec * RATE));
    const endAt = Math.min(out.length, at + toSample(event.endFrame) - toSample(event.startFrame));
    const colour = Math.min(6500, Math.max(900, trackAt(tracks.centroid, event.startFrame + 1) * 2 ** style.colourOctaves));
    if (event.attack === 'kick') {
      // A beatbox kick: a sine thump whose pitch drops exponentially, with a lip pop on top.
      let phase = 0;
      const length = Math.round(0.25 * RATE);
      for (let i = 0; i < length && at + i < out.length; i++) {
        const t = i / RATE;
        const hz = style.kickEndHz + (style.kickStartHz - style.kickEndHz) * Math.exp(-t / style.kickDropSec);
        phase += hz / RATE;
        const pop = i < 0.004 * RATE ? 0.5 * gaussian(rand) * (1 - i / (0.004 * RATE)) : 0;
        out[at + i] += event.level * (Math.sin(2 * Math.PI * phase) * Math.exp(-t / 0.08) * Math.min(1, i / 16) + pop);
      }
    } else {
      // A click rings briefly at a fixed tongue resonance; a "t"/"k" burst is noise in the event's colour.
      const ring = new StateVariable();
      ring.tune(event.attack === 'click' ? 2200 : colour, event.attack === 'click' ? 6 : 0.8);
      const decay = event.attack === 'click' ? 0.004 : style.burstDecaySec;
      const length = Math.round(decay * 6 * RATE);
      for (let i = 0; i < length && at + i < out.length; i++) {
        const excite = event.attack === 'click' ? (i === 0 ? 8 : 0) + 0.05 * gaussian(rand) : gaussian(rand);
        out[at + i] += 1.5 * event.level * ring.run(excite).band * Math.exp(-i / (decay * RATE));
      }
    }
    if (event.body === 'none') continue;
    // The held part: noise in the brightness band following the loudness, chopped by the tongue for a trill.
    const shaper = new StateVariable();
    let env = 0;
    const bodyStart = at + Math.round(0.03 * RATE);
    for (let n = bodyStart; n < endAt; n++) {
      const frame = event.startFrame + (n - at) / (RATE * style.stretch * tracks.hopSec);
      if ((n - bodyStart) % 32 === 0) shaper.tune(Math.min(6500, Math.max(900, trackAt(tracks.centroid, frame) * 2 ** style.colourOctaves)), 0.8);
      const target = (trackAt(tracks.loudness, frame) / peak) ** 0.6;
      env += (target - env) * (target > env ? 0.01 : 0.002);
      const chop = event.body === 'trill' ? 0.5 + 0.5 * Math.sin((2 * Math.PI * style.trillHz * (n - bodyStart)) / RATE) : 1;
      const fade = Math.min(1, (n - bodyStart) / (0.02 * RATE), (endAt - n) / (0.02 * RATE));
      out[n] += style.bodyGain * env * chop * fade * shaper.run(gaussian(rand)).band;
    }
  }
  return percussiveRecording(out, style, rand);
}

/** A close, cheap microphone: two-pole cuts from the same state-variable structure, white hiss, the level they set. */
function percussiveRecording(x: Float64Array, style: PercussiveStyle, rand: () => number): Float32Array {
  const lowCut = new StateVariable();
  lowCut.tune(style.micLowHz, Math.SQRT1_2);
  const highCut = new StateVariable();
  highCut.tune(style.micHighHz, Math.SQRT1_2);
  let power = 0;
  let active = 0;
  for (let i = 0; i < x.length; i++) {
    x[i] = highCut.run(lowCut.run(x[i]).high).low;
    if (Math.abs(x[i]) > 1e-5) {
      power += x[i] * x[i];
      active++;
    }
  }
  const peak = addHiss(x, Math.sqrt(power / Math.max(1, active)), style.snrDb, rand);
  const scale = peakGain(peak, style.peakDb);
  return Float32Array.from(x, (v) => v * scale);
}

export const percussiveFamily: ImitatorFamily<PercussiveStyle> = {
  id: 'percussive',
  description: 'mouth noises at the onsets: beatbox kicks, tongue clicks, "t"/"k" bursts, then "tsss" fricatives or trills shaped by brightness; no melody',
  draw: drawPercussiveStyle,
  synthesise: synthesisePercussive,
};
