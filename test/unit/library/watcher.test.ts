import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderWatcher } from '../../../src-main/engine/library/watcher.ts';

describe('FolderWatcher', () => {
  let dir: string;
  let watcher: FolderWatcher | undefined;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'onomato-watch-')); });
  afterEach(() => {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('reports a burst of changes deep in a folder once, after it settles', async () => {
    const calls: string[][] = [];
    watcher = new FolderWatcher([dir], (roots) => calls.push(roots), { debounceMs: 150 });
    expect(watcher.modes).toEqual({ [dir]: 'watch' });
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    await settle(50);
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'a', 'b', `s${i}.wav`), 'x');
    await settle(600);
    expect(calls).toEqual([[dir]]);
  });

  it('ignores changes inside hidden and system folders', async () => {
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, '__MACOSX'));
    const calls: string[][] = [];
    watcher = new FolderWatcher([dir], (roots) => calls.push(roots), { debounceMs: 100 });
    writeFileSync(join(dir, '.git', 'index'), 'x');
    writeFileSync(join(dir, '__MACOSX', 'y.wav'), 'x');
    writeFileSync(join(dir, '.DS_Store'), 'x');
    await settle(400);
    expect(calls).toEqual([]);
  });

  it('polls a folder it cannot watch', async () => {
    const calls: string[][] = [];
    const missing = join(dir, 'unplugged');
    watcher = new FolderWatcher([missing], (roots) => calls.push(roots), { debounceMs: 10, pollMs: 60 });
    expect(watcher.modes).toEqual({ [missing]: 'poll' });
    await settle(300);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toEqual([missing]);
  });
});
