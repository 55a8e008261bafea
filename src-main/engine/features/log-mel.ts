import { EngineError } from '../errors.ts';
import { FFT_SIZE, SPECTRUM_BINS, fftScratch, powerSpectrum } from './log-mel-fft.ts';

/**
 * The QVIM / EfficientAT log-mel front end in eval mode (see shared/QVIM.md): the model was
 * trained on exactly these numbers, so every step mirrors the PyTorch reference
 * (AugmentMelSTFT) and is pinned against it by test/fixtures/features.
 */
export const MEL_BINS = 128;
export const SAMPLE_RATE = 32000;
export const HOP = 320;

const WINDOW = 800;
const PRE_EMPHASIS = 0.97;
const LOG_OFFSET = 1e-5;
const EVAL_FMIN = 0;
const EVAL_FMAX = 15000;
/** The baseline reads only the first 10 s of a sound. */
const BASELINE_SAMPLES = 10 * SAMPLE_RATE;

/** Mel-major: data[m * frames + t], the memory order of the ONNX input [1, 1, 128, frames]. */
export interface LogMel {
  data: Float32Array;
  mels: number;
  frames: number;
}

/**
 * torch.hann_window(800, periodic=False). torch.stft centres it inside the 1024-point frame;
 * a circular shift does not change the power spectrum, so here it starts at 0 and the frame is
 * simply read from 400 samples before the frame centre.
 */
const hann = (() => {
  const w = new Float64Array(WINDOW);
  for (let n = 0; n < WINDOW; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (WINDOW - 1));
  return w;
})();

/** Each triangular filter stored only over the FFT bins where it is non-zero. */
interface MelBank {
  first: Int32Array;
  offset: Int32Array;
  count: Int32Array;
  weights: Float64Array;
}

const melScale = (hz: number): number => 1127 * Math.log(1 + hz / 700);

/**
 * torchaudio.compliance.kaldi.get_mel_banks(128, 1024, 32000, fmin, fmax, 100, -500, 1.0)
 * padded with a zero column for the Nyquist bin: triangles on 1127 ln(1 + f/700), equally
 * spaced between fmin and fmax, no area normalisation, evaluated at the 512 bins below Nyquist.
 */
function buildMelBank(fmin: number, fmax: number): MelBank {
  const lowMel = melScale(fmin);
  const delta = (melScale(fmax) - lowMel) / (MEL_BINS + 1);
  const binWidth = SAMPLE_RATE / FFT_SIZE;
  const binMel = new Float64Array(FFT_SIZE / 2);
  for (let k = 0; k < binMel.length; k++) binMel[k] = melScale(binWidth * k);

  const first = new Int32Array(MEL_BINS);
  const offset = new Int32Array(MEL_BINS);
  const count = new Int32Array(MEL_BINS);
  const weights: number[] = [];
  for (let m = 0; m < MEL_BINS; m++) {
    const left = lowMel + m * delta;
    const centre = lowMel + (m + 1) * delta;
    const right = lowMel + (m + 2) * delta;
    offset[m] = weights.length;
    first[m] = -1;
    for (let k = 0; k < binMel.length; k++) {
      const up = (binMel[k] - left) / (centre - left);
      const down = (right - binMel[k]) / (right - centre);
      const w = Math.min(up, down);
      if (w > 0) {
        if (first[m] < 0) first[m] = k;
        // Triangles are convex, so the non-zero bins are one contiguous run.
        weights.push(w);
      }
    }
    count[m] = weights.length - offset[m];
    if (first[m] < 0) first[m] = 0;
  }
  return { first, offset, count, weights: Float64Array.from(weights) };
}

const melBanks = new Map<string, MelBank>();

function melBankFor(fmin: number, fmax: number): MelBank {
  if (!(fmin >= 0 && fmin < fmax && fmax <= SAMPLE_RATE / 2)) {
    throw new EngineError('invalid-argument', `Mel range ${fmin}-${fmax} Hz must satisfy 0 <= fmin < fmax <= ${SAMPLE_RATE / 2}.`);
  }
  const key = `${fmin}:${fmax}`;
  let bank = melBanks.get(key);
  if (!bank) {
    bank = buildMelBank(fmin, fmax);
    melBanks.set(key, bank);
  }
  return bank;
}

/** Grow-only scratch: logMel is synchronous, so one set per thread is enough. */
let emphasised = new Float64Array(0);
const frame = new Float64Array(FFT_SIZE);
const power = new Float64Array(SPECTRUM_BINS);
const scratch = fftScratch();

/**
 * torch's reflect padding (no edge repeat). torch allows one reflection only (inputs longer
 * than 512 samples); shorter inputs keep reflecting back and forth, as numpy's 'reflect' does.
 */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = Math.abs(i) % period;
  if (j >= n) j = period - j;
  return j;
}

/**
 * 32 kHz mono samples -> normalised log-mel, frames = 1 + floor((length - 1) / 320):
 * pre-emphasis drops one sample and the centred STFT gives 1 + floor(length / hop) frames.
 * 320,000 samples (10 s) give 1000 frames.
 */
export function logMel(samples: Float32Array, opts: { fmin?: number; fmax?: number } = {}): LogMel {
  const bank = melBankFor(opts.fmin ?? EVAL_FMIN, opts.fmax ?? EVAL_FMAX);
  if (samples.length < 2) {
    throw new EngineError('invalid-argument', 'A sound needs at least 2 samples to have a log-mel spectrogram.');
  }

  const length = samples.length - 1;
  if (emphasised.length < length) emphasised = new Float64Array(length);
  const y = emphasised;
  for (let n = 0; n < length; n++) y[n] = samples[n + 1] - PRE_EMPHASIS * samples[n];

  const frames = 1 + Math.floor(length / HOP);
  const data = new Float32Array(MEL_BINS * frames);
  // Most library sounds are shorter than their 10 s window, whose zero padding gives frames of
  // exact zeros: their value is known without an FFT (bit-identical to computing it).
  let lastSound = length - 1;
  while (lastSound >= 0 && y[lastSound] === 0) lastSound--;
  const silent = (Math.log(LOG_OFFSET) + 4.5) / 5;
  const { first, offset, count, weights } = bank;
  const halfWindow = WINDOW / 2;
  // Locals, not module bindings, inside the hot loops: V8 then skips a context load per access.
  const w = hann;
  const x = frame;
  const p = power;

  for (let t = 0; t < frames; t++) {
    const start = t * HOP - halfWindow;
    // Reflection at the end reads back no further than start - 1, so this frame sees only zeros.
    if (start > lastSound + 1) {
      for (let m = 0; m < MEL_BINS; m++) data[m * frames + t] = silent;
      continue;
    }
    if (start >= 0 && start + WINDOW <= length) {
      for (let j = 0; j < WINDOW; j++) x[j] = w[j] * y[start + j];
    } else {
      for (let j = 0; j < WINDOW; j++) x[j] = w[j] * y[reflect(start + j, length)];
    }
    powerSpectrum(x, WINDOW, p, scratch);

    for (let m = 0; m < MEL_BINS; m++) {
      const k0 = first[m];
      const w0 = offset[m];
      const n = count[m];
      let sum = 0;
      for (let i = 0; i < n; i++) sum += weights[w0 + i] * p[k0 + i];
      data[m * frames + t] = (Math.log(sum + LOG_OFFSET) + 4.5) / 5;
    }
  }
  return { data, mels: MEL_BINS, frames };
}

/**
 * The baseline's input: the first 10 s, zero-padded at the end to 320,000 samples.
 * A sound of 10 s or more gives a view into `samples` (no copy); treat it as read-only.
 */
export function baselineClip(samples: Float32Array): Float32Array {
  if (samples.length >= BASELINE_SAMPLES) return samples.subarray(0, BASELINE_SAMPLES);
  const clip = new Float32Array(BASELINE_SAMPLES);
  clip.set(samples);
  return clip;
}
