import { EventEmitter } from 'node:events';
import type { IoStreamRead } from 'naudiodon2';
import { EngineError } from '../errors.ts';
import { findInputDevice, type InputDevice } from './devices.ts';
import { portAudio } from './portaudio.ts';
import { TakeBuffer, type TakeLevel } from './take-buffer.ts';

export type { TakeLevel } from './take-buffer.ts';

export interface TakeOptions {
  /** PortAudio device index from listInputDevices(); omitted: the system default input. */
  deviceId?: number;
  /** The remembered device's name; wins over deviceId because indexes shift on hot-plug. */
  deviceName?: string;
  /** Defaults to the device's own default rate, which every driver accepts. */
  sampleRate?: number;
  /** Which input channel to keep, 0-based. */
  channel?: number;
  /** The take stops itself after this many seconds of audio. */
  maxSeconds?: number;
  /** How long a device may deliver nothing before the take ends as 'device-lost'. */
  deviceTimeoutMs?: number;
}

export interface TakeStart {
  device: InputDevice;
  sampleRate: number;
  channel: number;
  maxSeconds: number;
}

export type TakeEndReason = 'stopped' | 'max-length' | 'device-lost' | 'error';

export interface TakeEnd {
  reason: TakeEndReason;
  /** Mono float samples of the kept channel, everything recorded before the end. */
  samples: Float32Array;
  sampleRate: number;
  /** A sentence for the user when the take ended on its own for a reason they should know. */
  message?: string;
  device: string;
}

interface RecorderEvents {
  level: [TakeLevel];
  end: [TakeEnd];
}

const DEFAULT_MAX_SECONDS = 10;
const DEFAULT_DEVICE_TIMEOUT_MS = 2000;
const WATCHDOG_TICK_MS = 250;
/** Chunks PortAudio may queue ahead of JavaScript: ~0.5-1 s of headroom for a busy main thread. */
const MAX_QUEUED_CHUNKS = 64;
/** A device that will not close in this time is left behind so the next take can still start. */
const CLOSE_GRACE_MS = 3000;
const NO_BYTES = Buffer.alloc(0);
const BYTES_PER_SAMPLE = 2;
const INT16_SCALE = 1 / 32768;

/**
 * Records one take at a time from a PortAudio input. Emits `level` about 30 times per second
 * of audio and exactly one `end` per take; the samples in `end` are everything recorded, also
 * when the device fails. Lives on the main thread: naudiodon2 loads a native crash handler
 * that refuses a second thread, and the work per chunk is a single pass over ~10 ms of audio.
 */
export class TakeRecorder extends EventEmitter<RecorderEvents> {
  #take: Take | undefined;
  #closing: Promise<void> = Promise.resolve();

  get recording(): boolean {
    return this.#take !== undefined;
  }

  /** Opens the device and starts recording; throws EngineError('device') when it cannot. */
  async start(options: TakeOptions = {}): Promise<TakeStart> {
    if (this.#take) throw new EngineError('invalid-argument', 'a take is already being recorded; stop it first');
    await this.#closing;
    if (this.#take) throw new EngineError('invalid-argument', 'a take is already being recorded; stop it first');

    const device = findInputDevice(options);
    const channel = options.channel ?? 0;
    const maxSeconds = options.maxSeconds ?? DEFAULT_MAX_SECONDS;
    const sampleRate = options.sampleRate ?? device.defaultSampleRate;
    if (!Number.isInteger(channel) || channel < 0 || channel >= device.maxInputChannels) {
      throw new EngineError('invalid-argument', `"${device.name}" has ${device.maxInputChannels} input channel(s); channel ${channel + 1} does not exist`);
    }
    if (!(maxSeconds > 0)) throw new EngineError('invalid-argument', 'the maximum take length must be more than 0 seconds');
    if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 384000) {
      throw new EngineError('invalid-argument', `${sampleRate} Hz is not a usable recording sample rate`);
    }

    const channelCount = channel + 1;
    const stream = openStream(device, sampleRate, channelCount);
    try {
      stream.start();
    } catch (cause) {
      this.#closing = closeStream(stream);
      throw deviceError(device, sampleRate, cause);
    }
    const take: Take = {
      device,
      stream,
      buffer: new TakeBuffer({
        sampleRate,
        maxFrames: Math.round(maxSeconds * sampleRate),
        channel,
        channelCount,
        // A stop() from a level listener ends the take mid-chunk; the rest of that chunk is not reported.
        onLevel: (level) => {
          if (this.#take === take) this.emit('level', level);
        },
      }),
      frameBytes: channelCount * BYTES_PER_SAMPLE,
      carry: NO_BYTES,
      quietTicks: 0,
      watchdog: setInterval(() => this.#tick(take), WATCHDOG_TICK_MS),
      ticksAllowed: Math.max(1, Math.ceil((options.deviceTimeoutMs ?? DEFAULT_DEVICE_TIMEOUT_MS) / WATCHDOG_TICK_MS)),
    };
    this.#take = take;
    stream.on('data', (chunk: Buffer) => this.#receive(take, chunk));
    stream.on('error', (err: Error) => this.#lost(take, `reported an error (${err.message})`));
    stream.on('end', () => this.#lost(take, 'closed its stream'));
    return { device, sampleRate, channel, maxSeconds };
  }

  /** Ends the take, keeping what was recorded; undefined when nothing was recording. */
  stop(): TakeEnd | undefined {
    return this.#take ? this.#finish(this.#take, 'stopped') : undefined;
  }

  #receive(take: Take, chunk: Buffer): void {
    if (this.#take !== take) return;
    take.quietTicks = 0;
    try {
      take.buffer.push(wholeFrames(take, chunk), INT16_SCALE);
      if (take.buffer.full) this.#finish(take, 'max-length');
    } catch (cause) {
      this.#finish(take, 'error', `recording failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  }

  // A device that goes away need not fail loudly: naudiodon reports nothing and its reads simply
  // never return, so no audio at all from the driver (not even silence) is the signal.
  #tick(take: Take): void {
    if (this.#take !== take) return;
    if (++take.quietTicks >= take.ticksAllowed) this.#lost(take, 'stopped delivering audio');
  }

  #lost(take: Take, what: string): void {
    if (this.#take !== take) return;
    const kept = (take.buffer.length / take.buffer.sampleRate).toFixed(1);
    this.#finish(take, 'device-lost', `The input "${take.device.name}" ${what}; it may have been unplugged. The ${kept} s recorded before that were kept.`);
  }

  #finish(take: Take, reason: TakeEndReason, message?: string): TakeEnd {
    take.buffer.flush();
    this.#take = undefined;
    clearInterval(take.watchdog);
    this.#closing = closeStream(take.stream);
    const end: TakeEnd = {
      reason,
      samples: take.buffer.samples(),
      sampleRate: take.buffer.sampleRate,
      device: take.device.name,
      ...(message ? { message } : {}),
    };
    this.emit('end', end);
    return end;
  }
}

interface Take {
  device: InputDevice;
  stream: IoStreamRead;
  buffer: TakeBuffer;
  frameBytes: number;
  /** Bytes of a frame split across two chunks. */
  carry: Buffer;
  quietTicks: number;
  ticksAllowed: number;
  watchdog: NodeJS.Timeout;
}

function openStream(device: InputDevice, sampleRate: number, channelCount: number): IoStreamRead {
  const pa = portAudio();
  const framesPerRead = Math.max(64, Math.round(sampleRate / 100));
  let stream: IoStreamRead;
  try {
    stream = pa.AudioIO({
      inOptions: {
        deviceId: device.id,
        sampleRate,
        channelCount,
        // 16-bit is what every driver offers natively (plenty for a voice query), and it is the
        // format that reached us sample-exact through ALSA's plug layer; float and 32-bit requests
        // lost the first 0.15-0.33 s there (see README).
        sampleFormat: pa.SampleFormat16Bit,
        maxQueue: MAX_QUEUED_CHUNKS,
        highwaterMark: framesPerRead * channelCount * BYTES_PER_SAMPLE,
        // An overflow (the main thread was busy) must not end the take: a few lost ms are better.
        closeOnError: false,
      },
    });
  } catch (cause) {
    throw deviceError(device, sampleRate, cause);
  }
  // naudiodon logs every stream error to the console itself; the take reports it instead.
  stream.removeAllListeners('error');
  return stream;
}

function closeStream(stream: IoStreamRead): Promise<void> {
  return new Promise((resolve) => {
    const grace = setTimeout(resolve, CLOSE_GRACE_MS);
    stream.quit(() => {
      clearTimeout(grace);
      resolve();
    });
  });
}

function wholeFrames(take: Take, chunk: Buffer): Int16Array {
  let bytes = take.carry.length ? Buffer.concat([take.carry, chunk]) : chunk;
  const usable = bytes.length - (bytes.length % take.frameBytes);
  take.carry = usable === bytes.length ? NO_BYTES : Buffer.from(bytes.subarray(usable));
  bytes = bytes.subarray(0, usable);
  if (bytes.byteOffset % BYTES_PER_SAMPLE === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, usable / BYTES_PER_SAMPLE);
  const aligned = new Int16Array(usable / BYTES_PER_SAMPLE);
  new Uint8Array(aligned.buffer).set(bytes);
  return aligned;
}

function deviceError(device: InputDevice, sampleRate: number, cause: unknown): EngineError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new EngineError('device', `the input "${device.name}" could not be opened at ${sampleRate} Hz (${detail})`, { cause });
}
