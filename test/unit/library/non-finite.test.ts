import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudio } from '../../../src-main/engine/audio/decode.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { encodeHalf } from '../../../src-main/engine/library/half-float.ts';
import { LibrarySearch } from '../../../src-main/engine/library/search.ts';
import { LibraryStore, type AnalysedSound } from '../../../src-main/engine/library/store.ts';
import { withTempDir } from '../../support/temp-dir.ts';
import { floatWav } from '../../support/riff.ts';

/** Issue 14, defect 1: one NaN sample took the app down and then broke every search. */

function unit(...v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
}

function analysed(soundId: number, vector: Float32Array): AnalysedSound {
  return {
    soundId, modelId: 'm', contentHash: `h${soundId}`, format: 'wav', sampleRate: 32000, channels: 1, bitDepth: 32,
    durationSec: 1, analysedSec: 1, peaks: new Float32Array(4), description: null, metadata: {},
    windows: [{ offsetSec: 0, vector }], tags: [{ label: 'Door', probability: 0.5 }],
  };
}

function library(): { store: LibraryStore; ids: number[] } {
  const store = LibraryStore.open(':memory:');
  store.putModelVersion({ id: 'm', kind: 'pretrained' });
  store.setActiveModelVersion('m');
  const root = store.addRoot('/sfx');
  const ids = store.addPendingSounds(['/sfx/a.wav', '/sfx/b.wav', '/sfx/c.wav'].map((path) => ({ rootId: root.id, path, size: 1, mtimeMs: 1 })));
  return { store, ids };
}

describe('samples that are not finite numbers', () => {
  it('are set to silence in decoding, counted, and the rest of the sound is kept', async () => {
    await withTempDir(async (dir) => {
      const samples = Float32Array.from({ length: 800 }, (_, i) => Math.sin(i / 5) * 0.5);
      samples[10] = Number.NaN;
      samples[20] = Number.POSITIVE_INFINITY;
      samples[30] = Number.NEGATIVE_INFINITY;
      const path = join(dir, 'nan.wav');
      await writeFile(path, floatWav(samples, 8000, 32));
      const d = await decodeAudio(path);
      const ch = d.channels[0];
      expect(ch.every(Number.isFinite)).toBe(true);
      expect([ch[10], ch[20], ch[30]]).toEqual([0, 0, 0]);
      expect(ch[11]).toBeCloseTo(samples[11], 6);
      expect(d.warnings.join(' ')).toMatch(/^3 samples were not a number \(NaN\) or infinite and were set to silence$/);
    });
  });

  it('a 64-bit float beyond float32 range is silenced too (it would become infinity)', async () => {
    await withTempDir(async (dir) => {
      const samples = Float64Array.from({ length: 400 }, () => 0.25);
      samples[5] = 1e300;
      const path = join(dir, 'huge.wav');
      await writeFile(path, floatWav(samples, 8000, 64));
      const d = await decodeAudio(path);
      expect(d.channels[0][5]).toBe(0);
      expect(d.channels[0][6]).toBe(0.25);
      expect(d.warnings).toHaveLength(1);
    });
  });
});

describe('a vector that is not finite', () => {
  it('is refused by the store with a named error, and nothing of the sound is written', () => {
    const { store, ids } = library();
    const bad = unit(1, 0, 0);
    bad[1] = Number.NaN;
    let err: unknown;
    try {
      store.commitAnalysed(analysed(ids[0], bad));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).kind).toBe('corrupt');
    expect((err as EngineError).message).toMatch(/not finite numbers/);
    expect(store.sound(ids[0])!.status).toBe('pending');
    expect(store.counts()).toMatchObject({ windows: 0, tags: 0, indexed: 0 });
    expect(() => store.putTakeFeatures(1, 'x', [{ offsetSec: 0, vector: bad }])).toThrow(/not a finite number/);
  });

  it('already in the database from an older version does not break search: that sound is left out and listed', async () => {
    const { store, ids } = library();
    store.commitAnalysed(analysed(ids[0], unit(1, 0, 0)));
    store.commitAnalysed(analysed(ids[1], unit(0, 1, 0)));
    store.commitAnalysed(analysed(ids[2], unit(0, 0, 1)));
    // What an older version let through: a NaN written straight into a stored vector (float16 since migration 5).
    const poisoned = encodeHalf(Float32Array.from([Number.NaN, 1, 0]));
    store.rawDatabaseForTests().prepare('UPDATE sound_embeddings SET vector = ? WHERE sound_id = ?').run(poisoned, ids[1]);

    const search = await LibrarySearch.open(store);
    expect(search.unusable).toEqual([ids[1]]);
    expect(search.size).toBe(2);
    expect((await search.search(unit(1, 0.1, 0), { top: 3 })).map((m) => m.sound.id)).toEqual([ids[0], ids[2]]);
    expect((await search.search(unit(1, 0.1, 0), { top: 3, exact: true })).map((m) => m.sound.id)).toEqual([ids[0], ids[2]]);
    // Catching up with a change to that sound (as after a scan) leaves it out instead of throwing.
    store.markPending([ids[1]]);
    store.rawDatabaseForTests().prepare(`UPDATE sounds SET status = 'indexed' WHERE id = ?`).run(ids[1]);
    expect(await search.sync()).toBe(1);
    expect(search.size).toBe(2);
    expect(search.unusable).toContain(ids[1]);
  });
});
