import { EngineError } from '../errors.ts';

/** The part of the @wasm-audio-decoders family's API we rely on. */
interface WasmDecoder {
  ready: Promise<void>;
  reset: () => Promise<void>;
  free: () => void;
}

interface Slot {
  decoder: WasmDecoder | undefined;
  queue: Promise<unknown>;
}

const slots = new Map<string, Slot>();

/**
 * Run `fn` with the shared decoder of this kind. Instantiating the WASM modules costs
 * 10-20 ms, so one instance per kind is kept and calls take turns on it. A decoder that
 * threw is discarded: after a trap its memory may be inconsistent.
 */
export function withDecoder<D extends WasmDecoder, R>(kind: string, create: () => D, fn: (decoder: D) => Promise<R>): Promise<R> {
  let slot = slots.get(kind);
  if (!slot) {
    slot = { decoder: undefined, queue: Promise.resolve() };
    slots.set(kind, slot);
  }
  const s = slot;
  const run = async (): Promise<R> => {
    if (!s.decoder) {
      s.decoder = create();
      await s.decoder.ready;
    } else {
      await s.decoder.reset();
    }
    try {
      return await fn(s.decoder as D);
    } catch (err) {
      if (!(err instanceof EngineError && err.kind === 'cancelled')) {
        s.decoder.free();
        s.decoder = undefined;
      }
      throw err;
    }
  };
  const result = s.queue.then(run, run);
  s.queue = result.catch(() => undefined);
  return result;
}

/** Gathers decoded blocks until enough frames are there, then joins them once. */
export class SampleCollector {
  private blocks: Float32Array[][] = [];
  frames = 0;

  constructor(
    private readonly channels: number,
    private readonly limit: number,
  ) {}

  add(channelData: Float32Array[]): void {
    const n = channelData[0]?.length ?? 0;
    if (n === 0 || this.frames >= this.limit) return;
    // Decoders reuse their output buffers between calls, so copy.
    const keep = Math.min(n, this.limit - this.frames);
    this.blocks.push(Array.from({ length: this.channels }, (_, c) => (channelData[c] ?? channelData[0]).slice(0, keep)));
    this.frames += keep;
  }

  take(maxFrames: number): Float32Array[] {
    const n = Math.min(this.frames, maxFrames);
    return Array.from({ length: this.channels }, (_, c) => {
      const out = new Float32Array(n);
      let at = 0;
      for (const block of this.blocks) {
        if (at >= n) break;
        const part = block[c].subarray(0, n - at);
        out.set(part, at);
        at += part.length;
      }
      return out;
    });
  }
}
