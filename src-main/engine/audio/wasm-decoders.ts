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
 * Run `fn` with the shared decoder of this kind. Instantiating one of these WASM decoders costs
 * ~10 ms (and their reset() re-instantiates), so one instance per kind is kept and calls take
 * turns on it. `between` says how a used instance is made ready for the next file: 'reset', or
 * 'none' when `fn` leaves it clean itself (the Ogg decoders reset inside flush()). libFLAC keeps
 * frame-numbering state across files and then reports spurious missing frames, so FLAC resets.
 * A decoder whose call failed or was cancelled is discarded, since its
 * state (or, after a trap, its memory) is unknown.
 */
export function withDecoder<D extends WasmDecoder, R>(kind: string, create: () => D, between: 'reset' | 'none', fn: (decoder: D) => Promise<R>): Promise<R> {
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
    } else if (between === 'reset') {
      await s.decoder.reset();
    }
    try {
      return await fn(s.decoder as D);
    } catch (err) {
      s.decoder.free();
      s.decoder = undefined;
      throw err;
    }
  };
  const result = s.queue.then(run, run);
  s.queue = result.catch(() => undefined);
  return result;
}

/**
 * Gathers decoded blocks into one buffer per channel, sized from the header's length when it is
 * known so that each sample is copied once; grows by doubling when a header under-reports.
 */
export class SampleCollector {
  private buffers: Float32Array[];
  frames = 0;
  /** Channels the decoder really gave, which a damaged or hostile header may overstate. */
  private decoded = 0;

  constructor(
    private readonly channels: number,
    private readonly limit: number,
    expected: number,
  ) {
    const initial = Math.max(1, Math.min(limit, expected > 0 ? expected : 48000));
    this.buffers = Array.from({ length: channels }, () => new Float32Array(initial));
  }

  add(channelData: Float32Array[]): void {
    const n = channelData[0]?.length ?? 0;
    if (n === 0 || this.frames >= this.limit) return;
    this.decoded = Math.max(this.decoded, Math.min(this.channels, channelData.length));
    const keep = Math.min(n, this.limit - this.frames);
    if (this.frames + keep > this.buffers[0].length) {
      const size = Math.min(this.limit, Math.max(this.frames + keep, this.buffers[0].length * 2));
      this.buffers = this.buffers.map((old) => {
        const grown = new Float32Array(size);
        grown.set(old.subarray(0, this.frames));
        return grown;
      });
    }
    // Decoders reuse their output memory between calls, so this copy is required.
    for (let c = 0; c < this.channels; c++) this.buffers[c].set((channelData[c] ?? channelData[0]).subarray(0, keep), this.frames);
    this.frames += keep;
  }

  /** One buffer per channel the decoder produced (not per channel the header claimed). */
  take(): Float32Array[] {
    return this.buffers.slice(0, this.decoded || this.channels).map((b) => (b.length === this.frames ? b : b.slice(0, this.frames)));
  }
}
