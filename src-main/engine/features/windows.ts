import { EngineError } from '../errors.ts';
import { SAMPLE_RATE } from './log-mel.ts';

export interface SoundWindow {
  /** Where the window starts in the sound, in seconds. */
  offsetSec: number;
  samples: Float32Array;
}

export interface WindowOptions {
  windowSec?: number;
  hopSec?: number;
}

function windowShape(opts: WindowOptions): { window: number; hop: number } {
  const windowSec = opts.windowSec ?? 10;
  const hopSec = opts.hopSec ?? 5;
  const window = Math.round(windowSec * SAMPLE_RATE);
  const hop = Math.round(hopSec * SAMPLE_RATE);
  if (!(window > 0 && hop > 0 && hop <= window)) {
    throw new EngineError('invalid-argument', `Windows of ${windowSec} s every ${hopSec} s: the hop must be positive and no longer than the window.`);
  }
  return { window, hop };
}

/** How many windows `windowsOf` cuts from a sound of `length` samples (the rule below). */
export function windowCount(length: number, opts: WindowOptions = {}): number {
  const { window, hop } = windowShape(opts);
  return 1 + Math.ceil(Math.max(0, length - window) / hop);
}

/**
 * Cuts a 32 kHz sound into fixed windows so a long ambience or take is searchable along its
 * length, not only by its first 10 s (the baseline's view).
 *
 * The rule, for a sound of L samples, window W and hop H (0 < H <= W):
 * - window i starts at i * H and holds samples [i * H, i * H + W), zero-padded past the end;
 * - there are 1 + ceil(max(0, L - W) / H) windows: the fewest that reach the end of the sound.
 *   So a sound no longer than W gives exactly one window, every later window starts inside
 *   the sound (since H <= W), never in pure padding, and with the default 10 s window the
 *   first window is exactly baselineClip(sound).
 * Windows that lie wholly inside the sound are views into `samples` (an hour-long sound is not
 * copied); treat them as read-only. Only the padded last window is a copy.
 */
export function windowsOf(samples: Float32Array, opts: WindowOptions = {}): SoundWindow[] {
  const { window, hop } = windowShape(opts);
  const count = windowCount(samples.length, opts);
  const windows: SoundWindow[] = [];
  for (let i = 0; i < count; i++) {
    const start = i * hop;
    let clip: Float32Array;
    if (start + window <= samples.length) {
      clip = samples.subarray(start, start + window);
    } else {
      clip = new Float32Array(window);
      clip.set(samples.subarray(start));
    }
    windows.push({ offsetSec: start / SAMPLE_RATE, samples: clip });
  }
  return windows;
}
