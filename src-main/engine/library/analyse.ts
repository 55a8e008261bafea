import { throwIfAborted } from '../audio/audio-file.ts';
import { decodeAudio, downmix, MODEL_SAMPLE_RATE, resample, waveformPeaks } from '../audio/decode.ts';
import { EngineError } from '../errors.ts';
import { topTagsOfWindows } from '../model/audioset-tags.ts';
import { embedWindows } from '../model/embed-windows.ts';
import { featureExtractor } from '../model-version/features.ts';
import { applyHead, type ModelVersion } from '../model-version/heads.ts';
import { featureKey } from '../model-version/versions.ts';
import type { EmbeddingModel, Tower } from '../model/runtime.ts';
import { allFinite } from '../search/sound-index.ts';
import { contentHash } from './content-hash.ts';
import type { AnalysedSound, WindowVector } from './types.ts';

export interface AnalysisSettings {
  /** Only this much of each file is decoded and windowed (default 600 s). */
  maxSeconds: number;
  windowSec: number;
  hopSec: number;
  peakBuckets: number;
  tagCount: number;
  minTagProbability: number;
  /**
   * Longest one file may take (default 120 s; a 600 s file takes about 1 s): a hostile file (a WAV
   * of a million empty chunks, a stream that never ends) fails with 'timed-out' instead of holding a worker.
   */
  fileTimeLimitSec: number;
}

export const DEFAULT_ANALYSIS: AnalysisSettings = {
  maxSeconds: 600,
  windowSec: 10,
  hopSec: 5,
  peakBuckets: 200,
  tagCount: 5,
  minTagProbability: 0.1,
  fileTimeLimitSec: 120,
};

export type Analysis = Omit<AnalysedSound, 'soundId' | 'modelId'>;

/**
 * One library file through the reference path: decode (at most `maxSeconds`) -> mono 32 kHz ->
 * windows -> log-mel -> reference tower -> AudioSet tags -> waveform peaks. A plain function of
 * the file, run inside the indexing workers, and by tests and the CLI directly.
 */
export async function analyseSound(path: string, model: EmbeddingModel, settings: AnalysisSettings = DEFAULT_ANALYSIS, signal?: AbortSignal, version?: ModelVersion): Promise<Analysis> {
  const limit = AbortSignal.timeout(settings.fileTimeLimitSec * 1000);
  const stop = signal ? AbortSignal.any([signal, limit]) : limit;
  try {
    return await analyse(path, model, settings, stop, version);
  } catch (err) {
    if (!limit.aborted || signal?.aborted) throw err;
    throw new EngineError('timed-out', `analysing it took longer than ${settings.fileTimeLimitSec} s, so it was passed over (a damaged or hostile file; it is tried again when it changes)`, { file: path, cause: err });
  }
}

async function analyse(path: string, model: EmbeddingModel, settings: AnalysisSettings, signal: AbortSignal, version: ModelVersion | undefined): Promise<Analysis> {
  const hash = await contentHash(path).catch((err: unknown) => { throw EngineError.from(err, path); });
  throwIfAborted(signal, path);
  // loadMono32k's steps, keeping the channel count it drops (saves re-reading the header).
  const { channels, ...decoded } = await decodeAudio(path, { maxSeconds: settings.maxSeconds, signal });
  const limit = Math.ceil(settings.maxSeconds * MODEL_SAMPLE_RATE);
  const resampled = resample(downmix(channels), decoded.sampleRate, MODEL_SAMPLE_RATE);
  const samples = resampled.length > limit ? resampled.subarray(0, limit) : resampled;
  if (samples.length === 0) throw new EngineError('empty-file', 'the file holds no audio samples', { file: path });
  throwIfAborted(signal, path);
  const extractor = version && featureExtractor(version.features);
  const { windows, logits } = await embedWindows(samples, model, { windowSec: settings.windowSec, hopSec: settings.hopSec, extractor });
  const { description, ...rest } = decoded.metadata;
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(rest)) if (typeof v === 'string' && v.length > 0) metadata[k] = v;
  // What decoding repaired or could not read (NaN samples silenced, a truncated tail) stays noted on the sound.
  if (decoded.warnings.length) metadata.warnings = decoded.warnings.join('; ');
  const vectors = windows.map((w) => ({ offsetSec: w.offsetSec, vector: version ? applyHead(version, 'reference', w.features!) : w.embedding }));
  if (!vectors.every((w) => allFinite(w.vector))) throw notFinite(path, 'added to the library');
  return {
    contentHash: hash,
    format: decoded.format,
    sampleRate: decoded.sampleRate,
    channels: channels.length,
    bitDepth: decoded.bitDepth,
    durationSec: decoded.durationSec,
    analysedSec: samples.length / MODEL_SAMPLE_RATE,
    peaks: waveformPeaks(samples, settings.peakBuckets),
    description: description ?? null,
    metadata,
    // With a model version the search vectors are its reference head over the window features,
    // and the features are kept so another version can re-embed the sound without decoding it.
    windows: vectors,
    ...(version ? { features: { backbone: featureKey(version.features), windows: windows.map((w) => ({ offsetSec: w.offsetSec, vector: w.features! })) } } : {}),
    tags: topTagsOfWindows(logits, settings.tagCount, settings.minTagProbability),
  };
}

/**
 * A query through one of the two paths. An imitation (a take from the microphone) goes through
 * the imitation tower and head; a sound (a dropped file: "find sounds like this one") through the
 * reference tower and head, like the library itself, so a library file finds itself first.
 * Returns one query vector per window, and the features so they can be cached beside the take.
 */
export async function analyseQuery(
  samples: Float32Array,
  towers: { imitation: EmbeddingModel; reference: EmbeddingModel },
  version: ModelVersion,
  kind: Tower,
  hopSec = DEFAULT_ANALYSIS.hopSec,
): Promise<{ queries: Float32Array[]; features: WindowVector[] }> {
  if (samples.length === 0) throw new EngineError('empty-file', 'the query holds no audio');
  const { windows } = await embedWindows(samples, towers[kind], { hopSec, extractor: featureExtractor(version.features) });
  const features = windows.map((w) => ({ offsetSec: w.offsetSec, vector: w.features! }));
  const queries = features.map((f) => applyHead(version, kind, f.vector));
  if (!queries.every(allFinite)) throw notFinite(undefined, 'searched with');
  return { queries, features };
}

/** Decoding silences NaN samples, but audio far beyond full scale can still overflow the analysis: say so instead of storing NaN. */
function notFinite(file: string | undefined, use: string): EngineError {
  const what = file ? 'this sound' : 'this take';
  return new EngineError('corrupt', `${what} could not be ${use}: its analysis gave values that are not numbers (NaN or infinity), as audio far beyond full scale does`, { file });
}
