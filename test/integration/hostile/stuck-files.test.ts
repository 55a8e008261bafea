import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../../src-main/engine/audio/wav-write.ts';
import { startIndexing } from '../../../src-main/engine/library/indexer.ts';
import { prepareLibraryModel } from '../../../src-main/engine/library/library-model.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { sine } from '../../support/audio-signals.ts';
import { syncStormFlac } from '../../support/bad-files.ts';
import { spawnOnomato } from '../../support/cli.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/**
 * Issue 14, defect 4: a FIFO swapped in after the scan listed the path hung indexing for good
 * (the blocking open held a thread of libuv's pool), and SIGINT/SIGTERM did not stop the CLI.
 * Each CLI run here gets a hard limit; a hang fails the test instead of stalling the suite.
 */
const RUN_LIMIT_MS = 90_000;

interface CliRun { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number; endedAt: number }

/** Runs `onomato index`; `during` is called with the child once its first file is indexed. */
function indexCli(dataDir: string, folder: string, during: (child: ChildProcess) => void): Promise<CliRun> {
  const started = Date.now();
  const child = spawnOnomato(['index', folder, '--data-dir', dataDir, '--workers', '1']);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  const kill = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
  const db = join(dataDir, 'library.sqlite');
  const watch = setInterval(() => {
    if (!existsSync(db)) return;
    let indexed = 0;
    try {
      const store = LibraryStore.open(db, { readonly: true });
      try { indexed = store.counts().indexed; } finally { store.close(); }
    } catch {
      return; // the schema may not be there yet
    }
    if (indexed > 0) {
      clearInterval(watch);
      during(child);
    }
  }, 25);
  return new Promise((resolve) => {
    child.on('exit', (status, signal) => {
      clearTimeout(kill);
      clearInterval(watch);
      resolve({ status, signal, stdout, stderr, ms: Date.now() - started, endedAt: Date.now() });
    });
  });
}

describe('files that would hold a worker', () => {
  const dir = suiteTempDir('onomato-stuck-');
  let names: string[];

  beforeAll(async () => {
    const lib = join(dir, 'template');
    mkdirSync(lib);
    names = Array.from({ length: 60 }, (_, i) => `tone-${String(i).padStart(2, '0')}.wav`);
    for (const [i, n] of names.entries()) await writeWav(join(lib, n), { channels: [sine(200 + 20 * i, 16000, 3 * 16000, 0.4)], sampleRate: 16000, bitDepth: 16 });
  });

  const copyOf = (name: string): string => {
    const to = join(dir, name);
    execFileSync('cp', ['-r', join(dir, 'template'), to]);
    return to;
  };

  it('a FIFO swapped in after the scan is refused with a named error and the CLI finishes', async () => {
    const lib = copyOf('fifo-lib');
    const last = join(lib, names[names.length - 1]);
    const run = await indexCli(join(dir, 'fifo-data'), lib, () => {
      rmSync(last);
      execFileSync('mkfifo', [last]);
    });
    // Release a blocked open, should there be one (the defect), so the test cannot leave a process behind.
    try { closeSync(openSync(last, constants.O_WRONLY | constants.O_NONBLOCK)); } catch { /* nobody waiting */ }
    expect(run.signal, `hung for ${run.ms} ms: ${run.stderr}`).toBeNull();
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toContain(`${last}: this is a named pipe (FIFO), not a regular file, so it is not read as a sound (not-audio)`);
    expect(run.stdout).toMatch(/indexed 59,.* failed 1/);
  });

  it('SIGTERM and SIGINT stop the CLI within seconds, keeping what was indexed', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const lib = copyOf(`${signal}-lib`);
      const data = join(dir, `${signal}-data`);
      let sentAt = 0;
      const run = await indexCli(data, lib, (child) => {
        sentAt = Date.now();
        child.kill(signal);
      });
      expect(run.signal, run.stderr).toBeNull();
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/cancelled/);
      expect(sentAt).toBeGreaterThan(0);
      // The file in hand finishes (about 50 ms), then the workers close: well inside 15 s.
      expect(run.endedAt - sentAt).toBeLessThan(15_000);
      const store = LibraryStore.open(join(data, 'library.sqlite'));
      try {
        const c = store.counts();
        expect(c.indexed).toBeGreaterThan(0);
        expect(c.indexed + c.pending).toBe(names.length);
        expect(store.jobs({ kind: 'scan' })[0].state).toBe('cancelled');
      } finally {
        store.close();
      }
    }
  });

  it("a decoder stuck in a loop that never yields is stopped by the pool: 'timed-out', a fresh worker takes the next file", async () => {
    const lib = join(dir, 'storm-lib');
    mkdirSync(lib);
    const source = join(dir, 'storm-source.wav');
    await writeWav(source, { channels: [sine(300, 44100, 4410, 0.3)], sampleRate: 44100, bitDepth: 16 });
    execFileSync('sox', [source, join(dir, 'storm-source.flac')]);
    // About two minutes of checksums without fixes, with nowhere to look at the clock.
    writeFileSync(join(lib, 'a-sync-storm.flac'), syncStormFlac(readFileSync(join(dir, 'storm-source.flac')), 40_000));
    await writeWav(join(lib, 'b-after.wav'), { channels: [sine(500, 16000, 16000, 0.3)], sampleRate: 16000, bitDepth: 16 });
    const store = LibraryStore.open(join(dir, 'storm-data', 'library.sqlite'));
    try {
      const model = await prepareLibraryModel(store, join(dir, 'storm-data', 'models'));
      const started = Date.now();
      const s = await startIndexing({ store, model, folders: [lib], workers: 1, analysis: { fileTimeLimitSec: 1 } }).result;
      expect(s.failures).toEqual([{ path: join(lib, 'a-sync-storm.flac'), kind: 'timed-out', reason: expect.stringMatching(/^analysing it took longer than 7 s, so it was stopped and passed over/) as string }]);
      expect(s.indexed).toBe(1);
      expect(store.soundByPath(join(lib, 'b-after.wav'))!.status).toBe('indexed');
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      store.close();
    }
  });

  it("a file that takes longer than the per-file limit fails 'timed-out' and the scan goes on", async () => {
    const lib = join(dir, 'slow-lib');
    mkdirSync(lib);
    await writeWav(join(lib, 'long.wav'), { channels: [sine(300, 48000, 120 * 48000, 0.3)], sampleRate: 48000, bitDepth: 24 });
    const store = LibraryStore.open(join(dir, 'slow-data', 'library.sqlite'));
    try {
      const model = await prepareLibraryModel(store, join(dir, 'slow-data', 'models'));
      const s = await startIndexing({ store, model, folders: [lib], workers: 1, analysis: { fileTimeLimitSec: 0.001 } }).result;
      expect(s.failures).toEqual([{ path: join(lib, 'long.wav'), kind: 'timed-out', reason: expect.stringMatching(/^analysing it took longer than 0.001 s, so it was passed over/) as string }]);
      expect(store.sound(store.soundByPath(join(lib, 'long.wav'))!.id)!.status).toBe('failed');
    } finally {
      store.close();
    }
  });
});
