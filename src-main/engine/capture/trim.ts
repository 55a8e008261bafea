import { EngineError } from '../errors.ts';

export interface TrimOptions {
  /** A 10 ms frame louder than this RMS, in dB relative to full scale, counts as sound. */
  thresholdDb?: number;
  /** Silence kept before the first and after the last sound, so onsets and tails are not cut. */
  padMs?: number;
  /** Runs of sound shorter than this (a click, a bump of the desk) are ignored. */
  minSoundMs?: number;
}

export interface TrimmedTake {
  /** Empty when nothing rose above the threshold. */
  samples: Float32Array;
  startSec: number;
  endSec: number;
}

const FRAME_MS = 10;

/**
 * Cuts the silence before and after the sound in a take. Frames are judged by RMS, not peak,
 * so a lone click does not open the gate, and the result keeps `padMs` on both sides.
 */
export function trimSilence(samples: Float32Array, sampleRate: number, options: TrimOptions = {}): TrimmedTake {
  const { thresholdDb = -45, padMs = 50, minSoundMs = 0 } = options;
  const frame = Math.max(1, Math.round((sampleRate * FRAME_MS) / 1000));
  const frames = Math.ceil(samples.length / frame);
  const minFrames = Math.max(1, Math.ceil(minSoundMs / FRAME_MS));
  // Comparing mean squares avoids a sqrt and a log per frame.
  const threshold = 10 ** (thresholdDb / 10);

  let first = -1;
  let last = -1;
  let runStart = -1;
  for (let f = 0; f <= frames; f++) {
    const loud = f < frames && meanSquare(samples, f * frame, Math.min(samples.length, (f + 1) * frame)) > threshold;
    if (loud && runStart < 0) runStart = f;
    if (!loud && runStart >= 0) {
      if (f - runStart >= minFrames) {
        if (first < 0) first = runStart;
        last = f;
      }
      runStart = -1;
    }
  }
  if (first < 0) return { samples: new Float32Array(0), startSec: 0, endSec: 0 };

  const pad = Math.round((sampleRate * padMs) / 1000);
  const start = Math.max(0, first * frame - pad);
  const end = Math.min(samples.length, last * frame + pad);
  return { samples: samples.slice(start, end), startSec: start / sampleRate, endSec: end / sampleRate };
}

/** The error to show when a take held nothing above the threshold. */
export function silentTakeError(thresholdDb = -45): EngineError {
  return new EngineError(
    'empty-file',
    `the take is silent: nothing was louder than ${thresholdDb} dBFS. Check that the right input is chosen and its level is up, or lower the silence threshold.`,
  );
}

function meanSquare(samples: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i] * samples[i];
  return sum / (to - from);
}
