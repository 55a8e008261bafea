import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DragItem, Region } from '../../contract/schema.ts';
import { decodeAudio, readAudioInfo, writeWav } from '../audio/decode.ts';
import { fadeEdges } from '../audio/fades.ts';
import { EngineError } from '../errors.ts';
import type { LibraryStore } from '../library/store.ts';
import type { Sound } from '../library/types.ts';
import { audioMime, type MediaFile, type MediaName } from '../media.ts';
import type { DataPaths } from '../paths.ts';
import { exportFileName } from './export-name.ts';
import { DEFAULT_SETTINGS, type SettingsStore } from './settings.ts';

/**
 * The only way the renderer reaches a file: by a sound id, a take id or the name of an export.
 * Anything else (a path, a traversal, an id the library does not hold) resolves to nothing.
 */
export class Media {
  constructor(
    private readonly store: LibraryStore,
    private readonly paths: DataPaths,
    private readonly settings?: SettingsStore,
  ) {}

  async resolve(kind: string, id: string): Promise<MediaFile | null> {
    if (kind === 'sound' || kind === 'take') {
      if (!/^\d{1,12}$/.test(id)) return null;
      const path = kind === 'sound' ? this.store.sound(Number(id))?.path : this.store.take(Number(id))?.wavPath;
      return path && existsSync(path) ? { path, mime: audioMime(path) } : null;
    }
    if (kind === 'export') {
      // A bare file name in the exports folder, nothing with a separator or a leading dot.
      if (id !== basename(id) || id.startsWith('.') || id.includes('\\')) return null;
      const path = join(this.paths.exports, id);
      return existsSync(path) ? { path, mime: audioMime(path) } : null;
    }
    return null;
  }

  async filesForDrag(items: DragItem[]): Promise<Array<{ path: string; media: MediaName }>> {
    const out: Array<{ path: string; media: MediaName }> = [];
    for (const item of items) {
      const sound = this.store.sound(item.soundId);
      if (!sound) throw new EngineError('not-found', `Sound ${item.soundId} is not in the library.`);
      if (!existsSync(sound.path)) throw new EngineError('not-found', 'the file has been moved or deleted since it was indexed', { file: sound.path });
      if (!item.region) out.push({ path: sound.path, media: { kind: 'sound', id: String(sound.id) } });
      else {
        const path = await this.renderRegion(sound, item.region);
        out.push({ path, media: { kind: 'export', id: basename(path) } });
      }
    }
    return out;
  }

  /**
   * Renders a region to a WAV in the persistent exports folder (the DAW may reference it in
   * place), at the source's sample rate and bit depth, with short fades at both ends (Settings,
   * 0 for none), named by the user's template, with a BWF description naming the source, the
   * region and the fades. The same render asked again reuses its file (found by that description);
   * a different render whose template gives the same name gets " (2)", " (3)"…
   */
  async renderRegion(sound: Sound, region: Region): Promise<string> {
    const { exportFadeMs, exportNameTemplate } = this.settings?.get() ?? DEFAULT_SETTINGS;
    const decoded = await decodeAudio(sound.path, { maxSeconds: region.endSec });
    const rate = decoded.sampleRate;
    const start = Math.min(Math.round(region.startSec * rate), decoded.channels[0].length);
    const end = Math.min(Math.round(region.endSec * rate), decoded.channels[0].length);
    if (end - start < 1) throw new EngineError('invalid-argument', `The region ${region.startSec.toFixed(2)}-${region.endSec.toFixed(2)} s lies outside the sound, which is ${decoded.durationSec.toFixed(2)} s long.`, { file: sound.path });
    const description = `Region ${region.startSec.toFixed(3)}-${region.endSec.toFixed(3)} s, fades ${exportFadeMs} ms, of ${sound.path}`.slice(0, 256);
    const stem = exportFileName(exportNameTemplate, sound, region);
    let path = '';
    for (let n = 1; ; n++) {
      path = join(this.paths.exports, `${stem}${n > 1 ? ` (${n})` : ''}.wav`);
      if (!existsSync(path)) break;
      const existing = await readAudioInfo(path).catch(() => null);
      if (existing?.metadata.description === description) return path;
    }
    const source = decoded.bitDepth ?? 24;
    // Integer sources keep their depth (8-bit becomes 16: WAV's 8-bit is unsigned and lossy to widen later).
    const bitDepth: 16 | 24 | 32 = source <= 16 ? 16 : source <= 24 ? 24 : 32;
    await writeWav(path, {
      channels: fadeEdges(decoded.channels.map((c) => c.subarray(start, end)), rate, exportFadeMs / 1000),
      sampleRate: rate,
      bitDepth,
      // 32-bit sources are written as float: exact for float sources, and within 2^-24 for int32 ones.
      float: bitDepth === 32,
      description,
      originator: 'Onomato',
    });
    return path;
  }
}
