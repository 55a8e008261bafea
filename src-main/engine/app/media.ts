import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import type { DragItem, Region } from '../../contract/schema.ts';
import { decodeAudio, writeWav } from '../audio/decode.ts';
import { EngineError } from '../errors.ts';
import { contentHash } from '../library/content-hash.ts';
import type { LibraryStore } from '../library/store.ts';
import type { Sound } from '../library/types.ts';
import { audioMime, openWithin, type MediaFile, type MediaName } from '../media.ts';
import { safeFileName, type DataPaths } from '../paths.ts';

/** Rendered regions live under exports/regions/<sound id>-<content hash>/, one folder per source version. */
const REGIONS = 'regions';

/**
 * The only way the renderer reaches a file: by a sound id, a take id or the path of an export.
 * A sound is served only while it is indexed and its file, at the moment it is opened, really
 * lies inside a library folder; a take only from the takes folder, an export only from the
 * exports folder. Anything else (a path, a traversal, an id the library does not hold, a file
 * since replaced by a link to somewhere else) resolves to nothing.
 */
export class Media {
  constructor(
    private readonly store: LibraryStore,
    private readonly paths: DataPaths,
  ) {}

  async resolve(kind: string, id: string): Promise<MediaFile | null> {
    if (kind === 'sound' || kind === 'take') {
      if (!/^\d{1,12}$/.test(id)) return null;
      const found = kind === 'sound' ? this.indexedSound(Number(id)) : this.store.take(Number(id));
      if (!found) return null;
      const recorded = 'wavPath' in found ? found.wavPath : found.path;
      const opened = await openWithin(recorded, kind === 'sound' ? this.libraryFolders() : [this.paths.takes]);
      return opened && { ...opened, name: basename(recorded), mime: audioMime(recorded) };
    }
    if (kind === 'export') {
      // Onomato's own files only: no hidden names (a render being written is a dot-file).
      if (id.split(/[/\\]/).some((part) => part === '' || part.startsWith('.'))) return null;
      const opened = await openWithin(join(this.paths.exports, id), [this.paths.exports]);
      return opened && { ...opened, name: basename(opened.path), mime: audioMime(opened.path) };
    }
    return null;
  }

  async filesForDrag(items: DragItem[]): Promise<Array<{ path: string; media: MediaName }>> {
    const out: Array<{ path: string; media: MediaName }> = [];
    for (const item of items) {
      const sound = this.indexedSound(item.soundId);
      if (!sound) throw new EngineError('not-found', `Sound ${item.soundId} is not in the library.`);
      const path = await this.verifiedPath(sound);
      if (!item.region) out.push({ path, media: { kind: 'sound', id: String(sound.id) } });
      else {
        const rendered = await this.renderRegion(sound, item.region);
        out.push({ path: rendered, media: { kind: 'export', id: relative(this.paths.exports, rendered).split(sep).join('/') } });
      }
    }
    return out;
  }

  /**
   * Renders a region to a WAV in the persistent exports folder (the DAW may reference it in
   * place), at the source's sample rate and bit depth, with a BWF description naming the source.
   * A render is kept per sound, content and region: dragging the same region twice reuses it,
   * another sound of the same name or a changed file gets its own. The file keeps the sound's
   * name in any script, changed only where a file system would refuse it.
   */
  async renderRegion(sound: Sound, region: Region): Promise<string> {
    const source = await this.verifiedPath(sound);
    const folder = join(this.paths.exports, REGIONS, `${sound.id}-${(await contentHash(source)).slice(0, 16)}`);
    const stem = safeFileName(basename(sound.name, extname(sound.name)));
    const path = join(folder, `${stem} [${region.startSec.toFixed(3)}-${region.endSec.toFixed(3)}s].wav`);
    if (existsSync(path)) return path;
    const decoded = await decodeAudio(source, { maxSeconds: region.endSec });
    const rate = decoded.sampleRate;
    const start = Math.min(Math.round(region.startSec * rate), decoded.channels[0].length);
    const end = Math.min(Math.round(region.endSec * rate), decoded.channels[0].length);
    if (end - start < 1) throw new EngineError('invalid-argument', `The region ${region.startSec.toFixed(2)}-${region.endSec.toFixed(2)} s lies outside the sound, which is ${decoded.durationSec.toFixed(2)} s long.`, { file: sound.path });
    const depth = decoded.bitDepth ?? 24;
    // Integer sources keep their depth (8-bit becomes 16: WAV's 8-bit is unsigned and lossy to widen later).
    const bitDepth: 16 | 24 | 32 = depth <= 16 ? 16 : depth <= 24 ? 24 : 32;
    await mkdir(folder, { recursive: true });
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

  private indexedSound(id: number): Sound | undefined {
    const sound = this.store.sound(id);
    return sound?.status === 'indexed' ? sound : undefined;
  }

  private libraryFolders(): string[] {
    return this.store.roots().map((r) => r.path);
  }

  /** The sound's file as it is now, if it still lies inside the library; the drag and the render read only that. */
  private async verifiedPath(sound: Sound): Promise<string> {
    const opened = await openWithin(sound.path, this.libraryFolders());
    if (!opened) {
      if (!existsSync(sound.path)) throw new EngineError('not-found', 'the file has been moved or deleted since it was indexed', { file: sound.path });
      throw new EngineError('forbidden', 'the file is no longer a regular file inside a library folder (was it replaced by a link?)', { file: sound.path });
    }
    await opened.handle.close();
    return opened.path;
  }
}
