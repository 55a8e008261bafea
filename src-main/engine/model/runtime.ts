import * as ort from 'onnxruntime-node';
import { EngineError } from '../errors.ts';
import type { LogMel } from '../features/log-mel.ts';

/**
 * The only place that creates inference sessions. A session runs on the best execution provider
 * this machine has: each candidate is tried in order and a failure (CUDA libraries not installed,
 * no GPU adapter) falls through to the next, ending on the CPU, which always works. The provider in
 * use and the reasons for skipping the others are kept so that the user can be shown them.
 *
 * WebGPU is bundled with onnxruntime-node but is not in the default order: on a machine without a
 * usable adapter it costs ~0.3 s and console noise at every start, and for a 1-5 M-parameter
 * MobileNet that already runs a 10 s clip in a few milliseconds on one CPU core the gain is small.
 * Ask for it with `providers` or ONOMATO_PROVIDERS=webgpu,cpu.
 */

export type { LogMel };

export interface OpenOptions {
  /** Execution providers to try, in order (onnxruntime-node names: cuda, dml, coreml, webgpu, cpu). */
  providers?: string[];
  /** CPU threads for one inference (0 or unset = onnxruntime's default, one per core). */
  threads?: number;
  /** Largest batch handed to onnxruntime at once; longer lists are split. */
  maxBatch?: number;
  /** Where fall-backs are reported; defaults to console.warn. */
  log?: (message: string) => void;
}

export interface ProviderFallback {
  provider: string;
  reason: string;
}

export interface ModelOutputs {
  /** One L2-normalised embedding per input (cosine similarity = dot product). */
  embeddings: Float32Array[];
  /** One row of 527 AudioSet logits per input (apply a sigmoid for probabilities). */
  logits: Float32Array[];
}

export function defaultProviders(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env.ONOMATO_PROVIDERS?.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
  if (fromEnv && fromEnv.length > 0) return fromEnv.includes('cpu') ? fromEnv : [...fromEnv, 'cpu'];
  if (platform === 'win32') return ['cuda', 'dml', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'cpu'];
  return ['cuda', 'cpu'];
}

export class EmbeddingModel {
  /** The execution provider the session runs on. */
  readonly provider: string;
  /** Providers that were tried first and why they were not used. */
  readonly fallbacks: readonly ProviderFallback[];
  /** Length of one embedding (384 for mn04, 960 for mn10). */
  readonly dimension: number;
  readonly classes: number;
  readonly mels: number;
  private readonly session: ort.InferenceSession;
  private readonly maxBatch: number;
  private closed = false;

  private constructor(session: ort.InferenceSession, provider: string, fallbacks: ProviderFallback[], maxBatch: number) {
    this.session = session;
    this.provider = provider;
    this.fallbacks = fallbacks;
    this.maxBatch = maxBatch;
    const dim = (name: string, axis: number): number => {
      const meta = session.outputMetadata.find((m) => m.name === name);
      const size = meta && meta.isTensor ? meta.shape[axis] : undefined;
      if (typeof size !== 'number') throw new EngineError('model', `the model has no fixed-size "${name}" output`);
      return size;
    };
    this.dimension = dim('embedding', 1);
    this.classes = dim('logits', 1);
    const input = session.inputMetadata.find((m) => m.name === 'logmel');
    const mels = input && input.isTensor ? input.shape[2] : undefined;
    if (typeof mels !== 'number') throw new EngineError('model', 'the model has no "logmel" input with a fixed number of mel bands');
    this.mels = mels;
  }

  static async open(onnxPath: string, opts: OpenOptions = {}): Promise<EmbeddingModel> {
    const log = opts.log ?? ((m: string) => console.warn(`[onomato model] ${m}`));
    // onnxruntime prints a missing GPU provider's load failure itself, before any session option
    // applies; the failure still reaches us as an exception, and the fall-back log says it better.
    ort.env.logLevel = 'fatal';
    const available = new Set(ort.listSupportedBackends().map((b) => b.name));
    const fallbacks: ProviderFallback[] = [];
    const candidates = opts.providers ?? defaultProviders();
    for (const provider of candidates) {
      if (!available.has(provider)) {
        fallbacks.push({ provider, reason: 'not part of this onnxruntime build' });
        continue;
      }
      try {
        const session = await ort.InferenceSession.create(onnxPath, {
          executionProviders: [provider],
          graphOptimizationLevel: 'all',
          executionMode: 'sequential',
          intraOpNumThreads: opts.threads ?? 0,
          interOpNumThreads: 1,
        });
        if (fallbacks.some((f) => f.reason !== 'not part of this onnxruntime build')) {
          log(`running on ${provider}; ${fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ')}`);
        }
        return new EmbeddingModel(session, provider, fallbacks, Math.max(1, opts.maxBatch ?? 32));
      } catch (cause) {
        const reason = firstLine(cause);
        fallbacks.push({ provider, reason });
        if (provider === 'cpu' || provider === candidates[candidates.length - 1]) {
          throw new EngineError('model', `the model could not be loaded (${reason})`, { file: onnxPath, cause });
        }
      }
    }
    throw new EngineError('model', `no execution provider could run the model (${fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ')})`, { file: onnxPath });
  }

  /**
   * Embeds a list of log-mels. Inputs of equal length are stacked into one batch tensor (the model
   * accepts any number of frames, but one tensor must have one shape); results keep the input order.
   */
  async run(batch: readonly LogMel[]): Promise<ModelOutputs> {
    if (this.closed) throw new EngineError('model', 'the model was closed');
    const embeddings = new Array<Float32Array>(batch.length);
    const logits = new Array<Float32Array>(batch.length);
    const groups = new Map<number, number[]>();
    batch.forEach((m, i) => {
      if (m.mels !== this.mels) throw new EngineError('invalid-argument', `the model expects ${this.mels} mel bands, got ${m.mels}`);
      if (m.frames < 1 || m.data.length !== m.mels * m.frames) throw new EngineError('invalid-argument', `log-mel ${i} has ${m.data.length} values for ${m.mels} x ${m.frames}`);
      const group = groups.get(m.frames) ?? [];
      group.push(i);
      groups.set(m.frames, group);
    });
    for (const [frames, indices] of groups) {
      for (let start = 0; start < indices.length; start += this.maxBatch) {
        const chunk = indices.slice(start, start + this.maxBatch);
        const size = this.mels * frames;
        const input = chunk.length === 1 ? batch[chunk[0]].data : new Float32Array(chunk.length * size);
        if (chunk.length > 1) chunk.forEach((i, k) => input.set(batch[i].data, k * size));
        const out = await this.session.run({ logmel: new ort.Tensor('float32', input, [chunk.length, 1, this.mels, frames]) });
        const e = out.embedding.data as Float32Array;
        const l = out.logits.data as Float32Array;
        chunk.forEach((i, k) => {
          embeddings[i] = l2Normalise(e.slice(k * this.dimension, (k + 1) * this.dimension));
          logits[i] = l.slice(k * this.classes, (k + 1) * this.classes);
        });
      }
    }
    return { embeddings, logits };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}

/** Which encoder a sound goes through: takes and imitations the imitation tower, library sounds the reference tower. */
export type Tower = 'imitation' | 'reference';

/** The two QVIM towers: takes go through `imitation`, library sounds through `reference`. */
export interface ModelPair {
  imitation: EmbeddingModel;
  reference: EmbeddingModel;
  id: string;
  close(): Promise<void>;
}

/**
 * Opens both towers. With one checkpoint the two paths are the same file and both towers share
 * one session (half the memory, and the embeddings of the two sides are then directly comparable).
 */
export async function openModelPair(
  model: { id: string; towers: { imitation: string; reference: string } },
  opts: OpenOptions = {},
): Promise<ModelPair> {
  const reference = await EmbeddingModel.open(model.towers.reference, opts);
  let imitation = reference;
  if (model.towers.imitation !== model.towers.reference) {
    try {
      imitation = await EmbeddingModel.open(model.towers.imitation, opts);
    } catch (e) {
      await reference.close();
      throw e;
    }
  }
  return {
    id: model.id,
    imitation,
    reference,
    close: async () => {
      await reference.close();
      await imitation.close();
    },
  };
}

function l2Normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  // An all-zero embedding (digital silence through a ReLU network can give one) stays zero.
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0].replace(/^Error: /, '').slice(0, 300);
}
