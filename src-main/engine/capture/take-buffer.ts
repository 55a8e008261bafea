/** What a level meter and a scrolling waveform need, about 30 times per second of audio. */
export interface TakeLevel {
  /** Linear RMS of the audio since the previous level, 0..1 of full scale. */
  rms: number;
  /** Largest absolute sample since the previous level. */
  peak: number;
  rmsDb: number;
  peakDb: number;
  /** min,max pairs of consecutive slices of the new audio: draw each pair as one column. */
  waveform: Float32Array;
  /** Seconds of audio recorded so far, counted in samples, not wall time. */
  elapsedSec: number;
}

export const LEVELS_PER_SECOND = 30;
export const WAVEFORM_PAIRS_PER_LEVEL = 10;
/** dBFS reported for digital silence: finite so it survives JSON. */
export const SILENCE_DB = -120;

export function toDbfs(linear: number): number {
  return linear > 0 ? Math.max(SILENCE_DB, 20 * Math.log10(linear)) : SILENCE_DB;
}

/**
 * Keeps one channel of the incoming interleaved audio in a preallocated mono buffer and
 * measures it on the way in. Levels are cut by sample count, so a take replayed faster than
 * real time (a test device) produces exactly the same levels as one recorded live.
 */
export class TakeBuffer {
  readonly sampleRate: number;
  /** Samples per waveform pair; a level holds WAVEFORM_PAIRS_PER_LEVEL of them. */
  readonly binFrames: number;
  readonly #samples: Float32Array;
  readonly #channel: number;
  readonly #channelCount: number;
  readonly #onLevel: (level: TakeLevel) => void;
  #length = 0;
  #sumSq = 0;
  #peak = 0;
  #blockFrames = 0;
  #binFrames = 0;
  #binMin = Infinity;
  #binMax = -Infinity;
  readonly #wave = new Float32Array(2 * WAVEFORM_PAIRS_PER_LEVEL);
  #waveAt = 0;

  constructor(opts: { sampleRate: number; maxFrames: number; channel: number; channelCount: number; onLevel: (level: TakeLevel) => void }) {
    this.sampleRate = opts.sampleRate;
    this.binFrames = Math.max(1, Math.round(opts.sampleRate / (LEVELS_PER_SECOND * WAVEFORM_PAIRS_PER_LEVEL)));
    this.#samples = new Float32Array(opts.maxFrames);
    this.#channel = opts.channel;
    this.#channelCount = opts.channelCount;
    this.#onLevel = opts.onLevel;
  }

  get length(): number {
    return this.#length;
  }

  get full(): boolean {
    return this.#length === this.#samples.length;
  }

  /**
   * Appends whole interleaved frames, each sample multiplied by `scale` (1/32768 for 16-bit
   * PCM); frames beyond the maximum length are dropped.
   */
  push(interleaved: Float32Array | Int16Array, scale = 1): void {
    const samples = this.#samples;
    const cap = samples.length;
    const step = this.#channelCount;
    for (let i = this.#channel; i < interleaved.length && this.#length < cap; i += step) {
      const v = interleaved[i] * scale;
      samples[this.#length++] = v;
      const a = v < 0 ? -v : v;
      if (a > this.#peak) this.#peak = a;
      this.#sumSq += v * v;
      this.#blockFrames++;
      if (v < this.#binMin) this.#binMin = v;
      if (v > this.#binMax) this.#binMax = v;
      if (++this.#binFrames === this.binFrames) {
        this.#closeBin();
        if (this.#waveAt === this.#wave.length) this.#emit();
      }
    }
  }

  /** Reports the audio since the last level, if any, so the meter ends where the take ends. */
  flush(): void {
    if (this.#binFrames > 0) this.#closeBin();
    if (this.#waveAt > 0) this.#emit();
  }

  /** A copy of the recorded mono samples, sized to what was recorded. */
  samples(): Float32Array {
    return this.#samples.slice(0, this.#length);
  }

  #closeBin(): void {
    this.#wave[this.#waveAt++] = this.#binMin;
    this.#wave[this.#waveAt++] = this.#binMax;
    this.#binMin = Infinity;
    this.#binMax = -Infinity;
    this.#binFrames = 0;
  }

  #emit(): void {
    const rms = Math.sqrt(this.#sumSq / this.#blockFrames);
    const peak = this.#peak;
    const level: TakeLevel = {
      rms,
      peak,
      rmsDb: toDbfs(rms),
      peakDb: toDbfs(peak),
      waveform: this.#wave.slice(0, this.#waveAt),
      elapsedSec: this.#length / this.sampleRate,
    };
    this.#sumSq = 0;
    this.#peak = 0;
    this.#blockFrames = 0;
    this.#waveAt = 0;
    this.#onLevel(level);
  }
}
