import { beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { splitmix32 } from '../../../src-main/engine/random.ts';
import { spawnOnomato } from '../../support/cli.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { copySfxSubset, writeCorruptFiles } from '../../support/library-copy.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import type { IndexSummary } from '../../../src-main/engine/library/indexer.ts';
import { SAMPLE_RATE } from '../../../src-main/engine/features/log-mel.ts';
import { windowCount } from '../../../src-main/engine/features/windows.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/** Windows the indexer must have stored for a sound analysed over `seconds`: the product's own rule (10 s windows, 5 s hop). */
function expectedWindows(seconds: number): number {
  return windowCount(Math.round(seconds * SAMPLE_RATE));
}

/** Seeded, so a failing run can be replayed with the seed from its message. */
const random = splitmix32;

describe('killing the indexer at random moments', () => {
  const dir = suiteTempDir('onomato-crash-');
  let lib: string;
  let db: string;
  let total: number;

  beforeAll(async () => {
    lib = join(dir, 'sfx');
    total = copySfxSubset(await smallSfxLibrary(), lib, 120).length + writeCorruptFiles(join(lib, 'broken')).length;
    db = join(dir, 'library.sqlite');
  });

  function startIndexer(): { child: ChildProcess; stdout: () => string; exited: Promise<number | null> } {
    const child = spawnOnomato(['index', lib, '--db', db, '--data-dir', join(dir, 'data'), '--workers', '2', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b) => { out += b; });
    child.stderr!.resume();
    return { child, stdout: () => out, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
  }

  function finishedCount(): number {
    try {
      const s = LibraryStore.open(db);
      try { const c = s.counts(); return c.indexed + c.failed; } finally { s.close(); }
    } catch {
      return 0; // not created yet, or the schema is being written
    }
  }

  /** The invariants a kill must never break. */
  function checkConsistent(context: string): number {
    const store = LibraryStore.open(db);
    try {
      expect(store.integrityCheck(), context).toBe('ok');
      expect(store.rawDatabaseForTests().pragma('foreign_key_check'), context).toEqual([]);
      const model = store.activeModelVersion()?.id;
      let finished = 0;
      for (let offset = 0; ; offset += 500) {
        const page = store.sounds({ limit: 500, offset });
        if (page.length === 0) break;
        for (const s of page) {
          const windows = model ? store.windowCount(s.id, model) : 0;
          if (s.status === 'indexed') {
            finished++;
            expect(windows, `${context}: ${s.path}`).toBe(expectedWindows(s.analysedSec!));
            expect(store.peaks(s.id), `${context}: ${s.path}`).toHaveLength(200);
          } else {
            if (s.status === 'failed') finished++;
            expect(windows, `${context}: ${s.path} (${s.status})`).toBe(0);
            expect(store.soundTags(s.id), `${context}: ${s.path} (${s.status})`).toEqual([]);
          }
        }
      }
      const fts = store.rawDatabaseForTests().prepare('SELECT count(*) AS n FROM sounds_fts').get() as { n: number };
      expect(fts.n, context).toBe(store.counts().sounds);
      return finished;
    } finally {
      store.close();
    }
  }

  it('leaves a consistent library after every kill and finishes without redoing finished files', async () => {
    const seed = Date.now() % 100000;
    const rand = random(seed);
    const kills: string[] = [];
    let before = 0;
    const KILLS = 4;
    /** Waits until `ms` have passed or `count` files are finished, whichever comes first. */
    const until = async (ms: number, count: number) => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline && finishedCount() < count) await new Promise((r) => setTimeout(r, 30));
    };
    for (let k = 0; k < KILLS; k++) {
      const run = startIndexer();
      if (k === 0) {
        // Anywhere from start-up through the scan into the first files.
        await until(500 + rand() * 2500, Math.floor(total / 4));
      } else {
        // After a random share of what is left, so every kill lands mid-run however fast indexing is.
        const share = (total - before) / (KILLS + 1 - k);
        await until(60_000, before + 1 + Math.floor(rand() * share));
      }
      run.child.kill('SIGKILL');
      await run.exited;
      before = checkConsistent(`seed ${seed}, after kill ${k + 1}`);
      kills.push(`${before}`);
    }
    expect(before, `seed ${seed}: the kills should land mid-run (finished after each: ${kills.join(', ')})`).toBeLessThan(total);

    const last = startIndexer();
    const code = await last.exited;
    const summary = JSON.parse(last.stdout()) as IndexSummary;
    // Exit code 1 only when this run met failures (corrupt files handled before a kill are not retried).
    expect(code, `seed ${seed}`).toBe(summary.failed > 0 ? 1 : 0);
    expect(summary.decoded, `seed ${seed}: finished after kills ${kills.join(', ')}`).toBe(total - before);
    expect(summary.indexed + summary.failed).toBe(summary.decoded);
    expect(checkConsistent(`seed ${seed}, final`)).toBe(total);

    const store = LibraryStore.open(db);
    try {
      expect(store.counts()).toMatchObject({ sounds: total, pending: 0 });
      const jobs = store.jobs({ kind: 'scan' });
      expect(jobs[0].state).toBe('done');
      expect(jobs.slice(1).every((j) => j.state === 'interrupted')).toBe(true);
    } finally {
      store.close();
    }
  });
});
