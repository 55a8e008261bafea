import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeWav } from '../../../src-main/engine/audio/wav-write.ts';
import { openEngine } from '../../../src-main/engine/engine.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { startIndexing } from '../../../src-main/engine/library/indexer.ts';
import { prepareLibraryModel } from '../../../src-main/engine/library/library-model.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { sine } from '../../support/audio-signals.ts';
import { spawnOnomato } from '../../support/cli.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/**
 * Issue 14, defect 11: two CLI indexers on one database decoded every file twice, and the app did
 * not see the sounds or folders a CLI run added until it restarted.
 */

function run(args: string[]): { child: ChildProcess; done: Promise<{ status: number | null; stdout: string; stderr: string }> } {
  const child = spawnOnomato(args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return { child, done: new Promise((resolve) => child.on('exit', (status) => { clearTimeout(kill); resolve({ status, stdout, stderr }); })) };
}

async function tones(folder: string, count: number, seconds: number, base: number): Promise<void> {
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < count; i++) await writeWav(join(folder, `tone-${String(i).padStart(2, '0')}.wav`), { channels: [sine(base + 37 * i, 16000, seconds * 16000, 0.4)], sampleRate: 16000, bitDepth: 16 });
}

describe('two writers on one library', () => {
  const dir = suiteTempDir('onomato-writers-');

  it('a scan owned by a live process refuses a second one with a sentence; a dead owner is taken over', async () => {
    const store = LibraryStore.open(join(dir, 'lock.sqlite'));
    const sleeper = spawn('sleep', ['30']);
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    try {
      // This process's own scans are its own to order (the app runs one at a time).
      const mine = store.claimScan();
      expect(store.claimScan().id).toBeGreaterThan(mine.id);
      store.rawDatabaseForTests().prepare(`UPDATE jobs SET owner_pid = ? WHERE kind = 'scan'`).run(sleeper.pid);
      let err: unknown;
      try { store.claimScan(); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).kind).toBe('busy');
      expect((err as EngineError).message).toBe(`another Onomato process (pid ${sleeper.pid}) is scanning this library right now; this scan was not started. Let that one finish (or stop it) and scan again`);
      // Its owner died without finishing (killed, crashed): the lock is taken over.
      store.rawDatabaseForTests().prepare(`UPDATE jobs SET owner_pid = ? WHERE kind = 'scan'`).run(gone.pid);
      expect(store.claimScan().state).toBe('running');
    } finally {
      sleeper.kill();
      store.close();
    }
  });

  it('two CLI indexers started together: one indexes, the other says another process is scanning', async () => {
    const lib = join(dir, 'cli-lib');
    await tones(lib, 40, 3, 200);
    const data = join(dir, 'cli-data');
    // The model is built once beforehand, so both runs reach their scan at about the same moment.
    const store = LibraryStore.open(join(data, 'library.sqlite'));
    await prepareLibraryModel(store, join(data, 'models'));
    store.close();
    const args = ['index', lib, '--data-dir', data, '--workers', '1', '--json'];
    const [a, b] = [run(args), run(args)];
    const results = await Promise.all([a.done, b.done]);
    const winner = results.find((r) => r.status === 0);
    const loser = results.find((r) => r.status !== 0);
    expect(winner, results.map((r) => r.stderr).join('\n')).toBeDefined();
    expect(loser, 'both ran a scan').toBeDefined();
    expect(loser!.status).toBe(1);
    expect(loser!.stderr).toMatch(/onomato index: another Onomato process \(pid \d+\) is scanning this library right now/);
    expect((JSON.parse(winner!.stdout) as { decoded: number }).decoded).toBe(40);
    const after = LibraryStore.open(join(data, 'library.sqlite'));
    try {
      expect(after.counts()).toMatchObject({ indexed: 40, pending: 0 });
      expect(after.integrityCheck()).toBe('ok');
    } finally {
      after.close();
    }
  });

  it('the app sees the folders and sounds another process indexed, without a restart', async () => {
    const data = join(dir, 'app-data');
    const engine = await openEngine({ dataDir: data, mode: 'web' });
    const changed: unknown[] = [];
    engine.events.onAny((name) => { if (name === 'library.changed') changed.push(name); });
    try {
      await engine.handlers['library.roots']({});
      const lib = join(dir, 'app-lib');
      await tones(lib, 6, 2, 500);
      // "Another process": a second connection to the same database, as a CLI run would open.
      const other = LibraryStore.open(join(data, 'library.sqlite'));
      try {
        const model = await prepareLibraryModel(other, join(data, 'models'));
        const s = await startIndexing({ store: other, model, folders: [lib], workers: 1 }).result;
        expect(s.indexed).toBe(6);
      } finally {
        other.close();
      }
      let roots = await engine.handlers['library.roots']({});
      for (let i = 0; i < 50 && !(roots.length === 1 && roots[0].sounds === 6 && changed.length > 0); i++) {
        await new Promise((r) => setTimeout(r, 200));
        roots = await engine.handlers['library.roots']({});
      }
      expect(roots.map((r) => [r.path, r.sounds])).toEqual([[lib, 6]]);
      expect(changed.length).toBeGreaterThan(0);
      const result = await engine.handlers['search.similar']({ soundId: 1, top: 10 });
      expect(result.searched).toBe(6);
      expect(result.matches.map((m) => m.sound.id).sort()).toEqual([2, 3, 4, 5, 6]);
    } finally {
      await engine.close();
    }
  });
});
