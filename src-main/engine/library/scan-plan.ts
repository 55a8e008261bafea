import type { EngineError } from '../errors.ts';
import { isWithin } from '../paths.ts';
import { nextTurn, timeSlicer } from '../search/time-slice.ts';
import { contentHash } from './content-hash.ts';
import type { FolderScan } from './scanner.ts';
import type { LibraryStore } from './store.ts';
import type { NewSoundFile, ScanEntry } from './types.ts';

/** Sounds read from the store per query while planning, and written per transaction while applying. */
const SLICE = 1000;

/** One library folder as found on disk now; `scan` is absent when the folder could not be read. */
export interface RootOnDisk {
  rootId: number;
  path: string;
  scan?: FolderScan;
  error?: EngineError;
}

/** What changed between the disk and the library, before anything is decoded. */
export interface ScanPlan {
  added: NewSoundFile[];
  changed: { id: number; size: number; mtimeMs: number }[];
  moved: { id: number; from: string; to: NewSoundFile }[];
  deleted: { id: number; path: string }[];
  /** Unchanged files analysed with another model version than the one in use. */
  reanalyse: number[];
  unchanged: number;
  skipped: number;
  unreadable: { path: string; reason: string }[];
  /** Roots whose folder is missing or unreadable (an unplugged drive): their sounds are kept. */
  unavailable: { path: string; reason: string }[];
}

/**
 * Compares the files on disk with the library. A file is unchanged when its path, size and
 * modification time match; a new path whose content hash equals that of a sound no longer on
 * disk is a move (the sound keeps its id, vectors and pairs, and nothing is decoded). Hashes are
 * computed only for new files whose size matches a missing sound, so a plain scan reads no audio.
 * A folder of a million sounds is compared a slice at a time, giving way between slices.
 */
export async function planScan(
  store: LibraryStore,
  roots: readonly RootOnDisk[],
  modelId: string,
  hash: (path: string) => Promise<string> = contentHash,
): Promise<ScanPlan> {
  const plan: ScanPlan = { added: [], changed: [], moved: [], deleted: [], reanalyse: [], unchanged: 0, skipped: 0, unreadable: [], unavailable: [] };
  const missing = new Map<number, { id: number; path: string; contentHash: string | null; modelId: string | null; status: string }[]>();
  const fresh: NewSoundFile[] = [];
  const pause = timeSlicer();

  for (const root of roots) {
    if (!root.scan) {
      plan.unavailable.push({ path: root.path, reason: root.error?.message ?? 'the folder could not be read' });
      continue;
    }
    plan.skipped += root.scan.skipped;
    plan.unreadable.push(...root.scan.unreadable);
    const known = new Map<string, ScanEntry>();
    for (let page = store.scanEntries(root.rootId, 0, SLICE); page.length; page = store.scanEntries(root.rootId, page[page.length - 1].id, SLICE)) {
      for (const e of page) known.set(e.path, e);
      await pause();
    }
    for (const [i, f] of root.scan.files.entries()) {
      if (i % SLICE === 0) await pause();
      const entry = known.get(f.path);
      if (!entry) {
        fresh.push({ rootId: root.rootId, path: f.path, size: f.size, mtimeMs: f.mtimeMs });
        continue;
      }
      known.delete(f.path);
      if (entry.size !== f.size || entry.mtimeMs !== Math.round(f.mtimeMs)) {
        plan.changed.push({ id: entry.id, size: f.size, mtimeMs: f.mtimeMs });
      } else {
        plan.unchanged++;
        if (entry.status === 'indexed' && entry.modelId !== modelId) plan.reanalyse.push(entry.id);
      }
    }
    // Entries under an unreadable sub-folder are not known to be gone: keep them.
    const unreadableDirs = root.scan.unreadable.map((u) => u.path);
    for (const e of known.values()) {
      if (unreadableDirs.some((d) => isWithin(d, e.path))) continue;
      const list = missing.get(e.size) ?? [];
      list.push({ id: e.id, path: e.path, contentHash: e.contentHash, modelId: e.modelId, status: e.status });
      missing.set(e.size, list);
    }
  }

  for (const f of fresh) {
    const candidates = missing.get(f.size)?.filter((m) => m.contentHash);
    let moved = false;
    if (candidates?.length) {
      let h: string | undefined;
      try { h = await hash(f.path); } catch { h = undefined; }
      const match = h && candidates.find((m) => m.contentHash === h);
      if (match) {
        missing.set(f.size, missing.get(f.size)!.filter((m) => m !== match));
        plan.moved.push({ id: match.id, from: match.path, to: { ...f, contentHash: h } });
        if (match.status === 'indexed' && match.modelId !== modelId) plan.reanalyse.push(match.id);
        moved = true;
      }
    }
    if (!moved) plan.added.push(f);
  }
  for (const list of missing.values()) for (const m of list) plan.deleted.push({ id: m.id, path: m.path });
  return plan;
}

/**
 * Writes a plan to the library; new and changed files become pending. Moves, changes and the
 * deletions a move depends on are one transaction (a move keeps its sound's pairs only if it is
 * applied whole); the other deletions and the additions follow a slice per transaction, giving
 * way between slices. A plan cut short by a kill leaves the library consistent, and the next
 * scan finds what is left to do.
 */
export async function applyScanPlan(store: LibraryStore, plan: ScanPlan): Promise<void> {
  // A file moved onto a path that a deleted sound held must not collide: that sound goes first.
  const targets = new Set(plan.moved.map((m) => m.to.path));
  const first = plan.deleted.filter((d) => targets.has(d.path)).map((d) => d.id);
  store.transaction(() => {
    store.deleteSounds(first);
    for (const m of plan.moved) store.moveSound(m.id, m.to);
    for (const c of plan.changed) store.markChanged(c.id, c.size, c.mtimeMs);
    store.markPending(plan.reanalyse);
  });
  const rest = plan.deleted.filter((d) => !targets.has(d.path)).map((d) => d.id);
  for (let i = 0; i < rest.length; i += SLICE) {
    store.deleteSounds(rest.slice(i, i + SLICE));
    await nextTurn();
  }
  for (let i = 0; i < plan.added.length; i += SLICE) {
    store.addPendingSounds(plan.added.slice(i, i + SLICE));
    await nextTurn();
  }
}
