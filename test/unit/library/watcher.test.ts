import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FolderWatcher } from '../../../src-main/engine/library/watcher.ts';
import { AUDIO_EXTENSION_SET } from '../../../src-main/engine/library/indexer.ts';
import { scanFolder } from '../../../src-main/engine/library/scanner.ts';
import { testTempDir, withTempDir } from '../../support/temp-dir.ts';

describe('FolderWatcher', () => {
  const dir = testTempDir('onomato-watch-');
  let watcher: FolderWatcher | undefined;
  afterEach(() => {
    watcher?.close();
  });

  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('reports a burst of changes deep in a folder once, after it settles', async () => {
    const calls: string[][] = [];
    watcher = new FolderWatcher([dir()], (roots) => calls.push(roots), { debounceMs: 150 });
    expect(watcher.modes).toEqual({ [dir()]: 'watch' });
    mkdirSync(join(dir(), 'a', 'b'), { recursive: true });
    await settle(50);
    for (let i = 0; i < 5; i++) writeFileSync(join(dir(), 'a', 'b', `s${i}.wav`), 'x');
    await settle(600);
    expect(calls).toEqual([[dir()]]);
  });

  it('ignores changes inside hidden and system folders', async () => {
    mkdirSync(join(dir(), '.git'));
    mkdirSync(join(dir(), '__MACOSX'));
    const calls: string[][] = [];
    watcher = new FolderWatcher([dir()], (roots) => calls.push(roots), { debounceMs: 100 });
    writeFileSync(join(dir(), '.git', 'index'), 'x');
    writeFileSync(join(dir(), '__MACOSX', 'y.wav'), 'x');
    writeFileSync(join(dir(), '.DS_Store'), 'x');
    await settle(400);
    expect(calls).toEqual([]);
  });

  it('polls a folder it cannot watch', async () => {
    const calls: string[][] = [];
    const missing = join(dir(), 'unplugged');
    watcher = new FolderWatcher([missing], (roots) => calls.push(roots), { debounceMs: 10, pollMs: 60 });
    expect(watcher.modes).toEqual({ [missing]: 'poll' });
    await settle(300);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toEqual([missing]);
  });

  it("never reacts to Onomato's own writes in a data folder inside a library folder (issue 14, defect 7)", async () => {
    const data = join(dir(), 'Library', 'Application Support', 'Onomato');
    mkdirSync(join(data, 'takes'), { recursive: true });
    const calls: string[][] = [];
    watcher = new FolderWatcher([dir()], (roots) => calls.push(roots), { debounceMs: 100, ignore: [data] });
    await settle(50);
    // What the app writes all the time: the database's log, takes, renders.
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(data, 'library.sqlite-wal'), `x${i}`);
      writeFileSync(join(data, 'takes', `take-${i}.wav`), 'x');
    }
    await settle(400);
    expect(calls).toEqual([]);
    // A folder beside it whose name merely starts the same is the user's and is watched.
    mkdirSync(join(dir(), 'Library', 'Application Support', 'Onomato Sounds'));
    writeFileSync(join(dir(), 'Library', 'Application Support', 'Onomato Sounds', 'door.wav'), 'x');
    await settle(400);
    expect(calls).toEqual([[dir()]]);
  });

  it('watches a library folder that itself lies inside the data folder (as in tests and portable installs)', async () => {
    const root = join(dir(), 'sfx');
    mkdirSync(root);
    const calls: string[][] = [];
    watcher = new FolderWatcher([root], (roots) => calls.push(roots), { debounceMs: 100, ignore: [dir()] });
    await settle(50);
    writeFileSync(join(root, 'door.wav'), 'x');
    await settle(400);
    expect(calls).toEqual([[root]]);
  });
});

describe('scanFolder', () => {
  it("skips Onomato's data folder inside a library folder, and only that folder", () => withTempDir(async (dir) => {
    const data = join(dir, 'AppData', 'Onomato');
    mkdirSync(join(data, 'takes'), { recursive: true });
    mkdirSync(join(dir, 'AppData', 'Onomato2'));
    writeFileSync(join(data, 'takes', 'take-1.wav'), 'x');
    writeFileSync(join(data, 'export.wav'), 'x');
    writeFileSync(join(dir, 'AppData', 'Onomato2', 'door.wav'), 'x');
    writeFileSync(join(dir, 'gust.wav'), 'x');
    const scan = await scanFolder(dir, AUDIO_EXTENSION_SET, undefined, [data]);
    expect(scan.files.map((f) => f.path)).toEqual([join(dir, 'AppData', 'Onomato2', 'door.wav'), join(dir, 'gust.wav')]);
    expect(scan.skipped).toBe(1);
  }, 'onomato-scan-'));

  it('names an invalid UTF-8 file name as such, not as a file that does not exist (issue 14, defect 10)', () => withTempDir(async (dir) => {
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/door-`), Buffer.from([0xff, 0xfe]), Buffer.from('.wav')]), 'x');
    writeFileSync(join(dir, 'gust.wav'), 'x');
    const scan = await scanFolder(dir, AUDIO_EXTENSION_SET);
    expect(scan.files.map((f) => f.path)).toEqual([join(dir, 'gust.wav')]);
    expect(scan.unreadable).toHaveLength(1);
    expect(scan.unreadable[0].reason).toMatch(/door-\uFFFD+\.wav: its name is not valid UTF-8 text .*; rename it$/);
    expect(scan.unreadable[0].reason).not.toMatch(/does not exist/);
  }, 'onomato-scan-'));
});
