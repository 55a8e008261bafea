import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { DragItem, Region } from '../../contract/schema.ts';
import { decodeAudio, writeWav } from '../audio/decode.ts';
import { EngineError } from '../errors.ts';
import type { LibraryStore } from '../library/store.ts';
import type { Sound } from '../library/types.ts';
import { audioMime, type MediaFile, type MediaName } from '../media.ts';
import type { DataPaths } from '../paths.ts';

/**
 * The only way the renderer reaches a file: by a sound id, a take id or the name of an export.
 * Anything else (a path, a traversal, an id the library does not hold) resolves to nothing.
 */
export class Media {
  constructor(
    private readonly store: LibraryStore,
    private readonly paths: DataPaths,
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
   * place), at the source's sample rate and bit depth, with a BWF description naming the source.
   * The same region of the same file always gets the same name, so dragging it twice reuses it.
   */
  async renderRegion(sound: Sound, region: Region): Promise<string> {
    const decoded = await decodeAudio(sound.path, { maxSeconds: region.endSec });
    const rate = decoded.sampleRate;
    const start = Math.min(Math.round(region.startSec * rate), decoded.channels[0].length);
    const end = Math.min(Math.round(region.endSec * rate), decoded.channels[0].length);
    if (end - start < 1) throw new EngineError('invalid-argument', `The region ${region.startSec.toFixed(2)}-${region.endSec.toFixed(2)} s lies outside the sound, which is ${decoded.durationSec.toFixed(2)} s long.`, { file: sound.path });
    const stem = basename(sound.name, extname(sound.name)).replace(/[^\w .()-]/g, '_');
    const path = join(this.paths.exports, `${stem} [${region.startSec.toFixed(3)}-${region.endSec.toFixed(3)}s].wav`);
    if (existsSync(path)) return path;
    const source = decoded.bitDepth ?? 24;
    // Integer sources keep their depth (8-bit becomes 16: WAV's 8-bit is unsigned and lossy to widen later).
    const bitDepth: 16 | 24 | 32 = source <= 16 ? 16 : source <= 24 ? 24 : 32;
    await writeWav(path, {
      channels: decoded.channels.map((c) => c.subarray(start, end)),
      sampleRate: rate,
      bitDepth,
      // 32-bit sources are written as float: exact for float sources, and within 2^-24 for int32 ones.
      float: bitDepth === 32,
      description: `Region ${region.startSec.toFixed(3)}-${region.endSec.toFixed(3)} s of ${sound.path}`.slice(0, 256),
      originator: 'Onomato',
    });
    return path;
  }
}
