/**
 * Rendering a region for the DAW, on real audio: short fades at both ends so the cut starts and
 * ends at silence (the source's own samples in between, bit for bit), a hard cut when the fade
 * is set to 0, and file names from the user's template that never overwrite another render.
 */
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../../../src-main/engine/audio/decode.ts';
import { Media } from '../../../src-main/engine/app/media.ts';
import { SettingsStore } from '../../../src-main/engine/app/settings.ts';
import { LibraryStore, type Sound } from '../../../src-main/engine/library/store.ts';
import { dataPaths, ensureDataDirs } from '../../../src-main/engine/paths.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/** 1.5 s of a phone ring, stereo 16-bit FLAC at 44.1 kHz, loud for its first 0.6 s. */
const SOURCE = 'sonic-pi/mehackit_phone4.flac';

const dir = suiteTempDir('onomato-export-');
let store: LibraryStore;
let settings: SettingsStore;
let media: Media;
let sound: Sound;
let source: Float32Array[];
let rate: number;
let peak: number;

beforeAll(async () => {
  const path = join(await smallSfxLibrary(), SOURCE);
  store = LibraryStore.open(join(dir, 'library.sqlite'));
  const root = store.addRoot(join(path, '..'));
  const [id] = store.addPendingSounds([{ rootId: root.id, path, size: 1, mtimeMs: 1 }]);
  sound = store.sound(id)!;
  settings = new SettingsStore(store);
  media = new Media(store, ensureDataDirs(dataPaths(join(dir, 'data'))), settings);
  const decoded = await decodeAudio(path);
  source = decoded.channels;
  rate = decoded.sampleRate;
  peak = Math.max(...source.map((c) => c.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
});

afterAll(() => {
  store.close();
});

/** A region starting and ending where the source is loud, so a hard cut would be a step. */
function loudRegion(): { startSec: number; endSec: number; start: number; end: number } {
  const loudAt = (from: number) => {
    for (let i = from; i < source[0].length; i++) if (Math.abs(source[0][i]) > 0.3 * peak && Math.abs(source[1][i]) > 0.3 * peak) return i;
    throw new Error('no loud sample');
  };
  const start = loudAt(Math.round(0.1 * rate));
  const end = loudAt(Math.round(0.5 * rate)) + 1;
  return { startSec: start / rate, endSec: end / rate, start, end };
}

describe('rendering a region', () => {
  it('fades 5 ms in and out by default: the cut begins and ends at silence, the rest is the source', async () => {
    const region = loudRegion();
    const file = await media.renderRegion(sound, region);
    const out = await decodeAudio(file);
    const fade = Math.round(0.005 * rate);
    expect(out.channels[0].length).toBe(region.end - region.start);
    // What a hard cut would have jumped by, and what the fade leaves.
    expect(Math.abs(source[0][region.start])).toBeGreaterThan(0.3 * peak);
    expect(Math.abs(source[0][region.end - 1])).toBeGreaterThan(0.3 * peak);
    out.channels.forEach((channel, c) => {
      // A hard cut would jump from silence by at least 30 % of the peak; the fade's first and last samples are within 0.5 %.
      expect(Math.abs(channel[0])).toBeLessThan(0.005 * peak);
      expect(Math.abs(channel.at(-1)!)).toBeLessThan(0.005 * peak);
      // Inside the fades no step is larger than the source's own largest step.
      const sourceStep = source[c].reduce((m, v, i) => (i ? Math.max(m, Math.abs(v - source[c][i - 1])) : m), 0);
      for (let i = 1; i < fade; i++) {
        expect(Math.abs(channel[i] - channel[i - 1])).toBeLessThanOrEqual(sourceStep);
        expect(Math.abs(channel[channel.length - i] - channel[channel.length - i - 1])).toBeLessThanOrEqual(sourceStep);
      }
    });
    // Between the fades, the source's own 16-bit samples.
    out.channels.forEach((channel, c) => {
      for (let i = fade; i < channel.length - fade; i++) expect(Math.round(channel[i] * 32768)).toBe(Math.round(source[c][region.start + i] * 32768));
    });
    expect(out.metadata.description).toContain('fades 5 ms');
    // The same render again is the same file.
    expect(await media.renderRegion(sound, region)).toBe(file);
  });

  it('cuts hard when the fade is set to 0, under a name from the template that does not overwrite the faded one', async () => {
    const region = loudRegion();
    const faded = await media.renderRegion(sound, region);
    settings.update({ exportFadeMs: 0 });
    const hard = await media.renderRegion(sound, region);
    expect(hard).not.toBe(faded);
    expect(basename(hard)).toBe(basename(faded).replace(/\.wav$/, ' (2).wav'));
    const out = await decodeAudio(hard);
    expect(out.channels[0][0]).toBe(source[0][region.start]);
    expect(out.channels[1].at(-1)).toBe(source[1][region.end - 1]);
    // The faded one is untouched.
    expect(Math.abs((await decodeAudio(faded)).channels[0][0])).toBeLessThan(0.005 * peak);

    settings.update({ exportNameTemplate: 'ring/{name}_{length}s {nonsense} <take>' });
    const named = await media.renderRegion(sound, { startSec: 0.25, endSec: 0.75 });
    expect(basename(named)).toBe('ring_mehackit_phone4_0.500s {nonsense} _take_.wav');
  });
});
