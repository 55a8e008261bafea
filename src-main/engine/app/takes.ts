import { rm, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EventBus } from '../../contract/events.ts';
import type { InputDevice, Take as TakeView } from '../../contract/schema.ts';
import { decodeAudio, downmix, waveformPeaks } from '../audio/decode.ts';
import { listInputDevices } from '../capture/devices.ts';
import { TakeRecorder, type TakeEnd } from '../capture/recorder.ts';
import { saveTakeWav } from '../capture/takes.ts';
import { silentTakeError, trimSilence } from '../capture/trim.ts';
import { EngineError } from '../errors.ts';
import type { LibraryStore } from '../library/store.ts';
import type { Take } from '../library/types.ts';
import type { DataPaths } from '../paths.ts';
import type { SettingsStore } from './settings.ts';

const PEAK_BUCKETS = 160;

/**
 * Takes: recording from the microphone, importing a dropped file, and the take history. A take
 * is saved (WAV in app data, row in the store) before anyone is told it exists, so a crash
 * right after a take never loses it.
 */
export class Takes {
  private readonly recorder = new TakeRecorder();
  private readonly peaksCache = new Map<number, number[]>();

  constructor(
    private readonly store: LibraryStore,
    private readonly paths: DataPaths,
    private readonly events: EventBus,
    private readonly settings: SettingsStore,
  ) {
    this.recorder.on('level', (l) => this.events.emit('capture.level', { rms: l.rms, peak: l.peak, peakDb: l.peakDb, waveform: Array.from(l.waveform), elapsedSec: l.elapsedSec }));
    this.recorder.on('end', (end) => void this.finish(end));
    // Takes deleted in an earlier session could have been restored there; now they go for good.
    void this.purgeDeleted();
  }

  private async purgeDeleted(): Promise<void> {
    for (const take of this.store.unusedHiddenTakes()) {
      if (this.store.deleteTake(take.id) === 'deleted') await rm(take.wavPath, { force: true }).catch(() => undefined);
    }
  }

  devices(): InputDevice[] {
    return listInputDevices();
  }

  async start(): Promise<void> {
    if (this.recorder.recording) throw new EngineError('device', 'A take is already being recorded.');
    const s = this.settings.get();
    await this.recorder.start({
      deviceId: s.inputDeviceId ?? undefined,
      deviceName: s.inputDeviceName ?? undefined,
      channel: s.inputChannel,
      sampleRate: s.sampleRate ?? undefined,
      maxSeconds: s.maxTakeSec,
    });
  }

  stop(): void {
    this.recorder.stop();
  }

  private async finish(end: TakeEnd): Promise<void> {
    const thresholdDb = this.settings.get().silenceThresholdDb;
    try {
      const trimmed = trimSilence(end.samples, end.sampleRate, { thresholdDb });
      if (trimmed.samples.length === 0) {
        this.events.emit('capture.ended', { take: null, reason: end.reason, message: end.message ?? silentTakeError(thresholdDb).message });
        return;
      }
      const saved = await saveTakeWav(this.paths.takes, trimmed.samples, end.sampleRate, { device: end.device, trimmedFromSec: trimmed.startSec });
      const take = this.store.addTake({ wavPath: saved.path, durationSec: saved.durationSec, sampleRate: end.sampleRate, source: 'mic', originalName: null, deviceName: end.device, createdAt: saved.recordedAt.getTime() });
      this.peaksCache.set(take.id, Array.from(waveformPeaks(trimmed.samples, PEAK_BUCKETS)));
      this.events.emit('capture.ended', { take: this.view(take), reason: end.reason, message: end.message ?? null });
    } catch (err) {
      this.events.emit('capture.ended', { take: null, reason: 'error', message: EngineError.from(err).message });
    }
  }

  /** A dropped audio file becomes a take (mono, at its own rate) so it can be searched and kept. */
  async importFile(name: string, bytes: Buffer): Promise<TakeView> {
    const safeName = basename(name).replace(/[^\w .()-]/g, '_').slice(0, 120) || 'dropped';
    const incoming = join(this.paths.takes, `.import-${randomBytes(4).toString('hex')}${extname(safeName).toLowerCase()}`);
    await writeFile(incoming, bytes).catch((err: unknown) => {
      throw EngineError.from(err, incoming);
    });
    try {
      return this.view(await this.importPath(incoming, safeName));
    } finally {
      await rm(incoming, { force: true });
    }
  }

  /** Copies an audio file into the takes folder as a take of source 'file' (a dataset imitation, a dropped file). */
  async importPath(path: string, name = basename(path)): Promise<Take> {
    const decoded = await decodeAudio(path, { maxSeconds: 60 }).catch((err: unknown) => {
      const e = EngineError.from(err);
      throw new EngineError(e.kind, `${name} cannot be used as a query: ${e.message.replace(`${path}: `, '')}`);
    });
    const mono = downmix(decoded.channels);
    const saved = await saveTakeWav(this.paths.takes, mono, decoded.sampleRate, {});
    const take = this.store.addTake({ wavPath: saved.path, durationSec: saved.durationSec, sampleRate: decoded.sampleRate, source: 'file', originalName: name, deviceName: null });
    this.peaksCache.set(take.id, Array.from(waveformPeaks(mono, PEAK_BUCKETS)));
    return take;
  }

  async list(): Promise<TakeView[]> {
    const takes = this.store.takes();
    for (const t of takes) if (!this.peaksCache.has(t.id)) await this.loadPeaks(t);
    const pairs = this.store.pairCountsByTake();
    return takes.map((t) => this.view(t, pairs));
  }

  get(id: number): Take {
    const take = this.store.take(id);
    if (!take || take.deleted) throw new EngineError('not-found', `Take ${id} is not in the history.`);
    return take;
  }

  /**
   * Takes a take out of the history. Its audio stays until the app next starts, so `restore` can
   * undo the delete; a take that training pairs use keeps its audio for them in any case.
   */
  delete(id: number): void {
    this.get(id);
    this.store.setTakeHidden(id, true);
  }

  restore(id: number): TakeView {
    const take = this.store.take(id);
    if (!take) throw new EngineError('not-found', `Take ${id} is no longer kept; it cannot be brought back.`);
    this.store.setTakeHidden(id, false);
    return this.view({ ...take, deleted: false });
  }

  rename(id: number, name: string): TakeView {
    this.get(id);
    this.store.renameTake(id, name);
    return this.view(this.get(id));
  }

  private async loadPeaks(t: Take): Promise<void> {
    try {
      const d = await decodeAudio(t.wavPath, { maxSeconds: 60 });
      this.peaksCache.set(t.id, Array.from(waveformPeaks(downmix(d.channels), PEAK_BUCKETS)));
    } catch {
      this.peaksCache.set(t.id, []);
    }
  }

  private view(t: Take, pairs = this.store.pairCountsByTake()): TakeView {
    const when = new Date(t.createdAt);
    const name = t.originalName ?? `Take ${when.toLocaleTimeString('en-GB', { hour12: false })}`;
    return { id: t.id, createdAt: when.toISOString(), durationSec: t.durationSec, source: t.source, name, peaks: this.peaksCache.get(t.id) ?? [], pairs: pairs.get(t.id) ?? 0 };
  }

  async close(): Promise<void> {
    if (this.recorder.recording) this.recorder.stop();
  }
}
