import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../../src-main/engine/audio/wav-write.ts';
import { openEngine, type Engine } from '../../../src-main/engine/engine.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { sine } from '../../support/audio-signals.ts';
import { jobEnded } from '../../support/jobs.ts';
import { floatWav } from '../../support/riff.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/**
 * Issue 14, defect 1 in the app: a float WAV with a NaN, in a watched folder, killed the process
 * from the indexer's progress listener; a take or dropped file with one could not be searched.
 */
describe('NaN in the app', () => {
  const dir = suiteTempDir('onomato-nan-app-');
  let engine: Engine;
  const withNaN = (): Float32Array => {
    const x = sine(600, 16000, 3 * 16000, 0.5);
    for (let i = 0; i < x.length; i += 1000) x[i] = Number.NaN;
    return x;
  };

  beforeAll(async () => {
    const lib = join(dir, 'sfx');
    mkdirSync(lib);
    for (let i = 0; i < 4; i++) await writeWav(join(lib, `tone-${i}.wav`), { channels: [sine(300 + 200 * i, 16000, 2 * 16000, 0.5)], sampleRate: 16000, bitDepth: 16 });
    writeFileSync(join(lib, 'render-with-nan.wav'), floatWav(withNaN(), 16000, 32));
    engine = await openEngine({ dataDir: join(dir, 'data'), mode: 'web' });
    const { job } = await engine.handlers['library.addRoot']({ path: lib });
    expect((await jobEnded(engine, job, 60_000, 100)).state).toBe('done');
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('indexes the file with NaN samples as a sound, searchable beside the others', async () => {
    const stats = await engine.handlers['library.stats']({});
    expect(stats).toMatchObject({ sounds: 5, failed: 0 });
    const result = await engine.handlers['search.similar']({ soundId: 1, top: 10 });
    expect(result.searched).toBe(5);
    expect(result.matches).toHaveLength(4);
  });

  it('searches with a dropped file that holds NaN samples', async () => {
    const take = await engine.handlers['takes.import']({ name: 'nan take.wav', dataBase64: floatWav(withNaN(), 16000, 32).toString('base64') });
    const result = await engine.handlers['search.take']({ takeId: take.id, top: 5 });
    expect(result.matches.length).toBe(5);
    expect(result.matches.every((m) => Number.isFinite(m.score))).toBe(true);
  });

  it('searches with a take an older version saved with NaN in it', async () => {
    const wav = join(dir, 'data', 'takes', 'old-take.wav');
    writeFileSync(wav, floatWav(withNaN(), 16000, 32));
    const other = LibraryStore.open(join(dir, 'data', 'library.sqlite'));
    const take = other.addTake({ wavPath: wav, durationSec: 3, sampleRate: 16000, source: 'mic', originalName: null, deviceName: null });
    other.close();
    const result = await engine.handlers['search.take']({ takeId: take.id, top: 5 });
    expect(result.matches.length).toBe(5);
  });
});
