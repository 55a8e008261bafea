import { watch, type FSWatcher } from 'node:fs';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { isWithin } from '../paths.ts';
import { EngineError } from '../errors.ts';
import { startIndexing, type IndexJob, type IndexModel, type IndexOptions, type IndexSummary } from './indexer.ts';
import { isIgnoredName } from './scanner.ts';
import type { LibraryStore } from './store.ts';

export interface FolderWatchOptions {
  /** Quiet time after the last change before a rescan (a copy of 1,000 files is one rescan). */
  debounceMs?: number;
  /** Longest a rescan waits while changes keep coming. */
  maxWaitMs?: number;
  /** Rescan interval for folders that cannot be watched (network shares, removed folders). */
  pollMs?: number;
  /**
   * Folders whose changes are Onomato's own (its data folder: the database and its log, takes,
   * renders). A library folder around them would otherwise rescan itself for ever.
   */
  ignore?: readonly string[];
}

/**
 * Notices changes under library folders. Node 20 watches recursively on Linux, macOS and
 * Windows (`fs.watch(dir, { recursive: true })`); where a folder cannot be watched (the call
 * throws, or the watch errors later because the folder went away), that folder is polled with a
 * plain rescan instead, which costs one stat per file and no decoding. Events inside hidden or
 * system folders are ignored; everything else (a new folder, a rename) marks the root dirty.
 */
export class FolderWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly polls = new Map<string, NodeJS.Timeout>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private firstDirtyAt = 0;
  private closed = false;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private readonly pollMs: number;
  private readonly ignore: readonly string[];

  constructor(roots: readonly string[], private readonly onChange: (roots: string[]) => void, options: FolderWatchOptions = {}) {
    this.debounceMs = options.debounceMs ?? 2000;
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
    this.pollMs = options.pollMs ?? 10 * 60_000;
    this.ignore = options.ignore ?? [];
    for (const r of roots) this.add(r);
  }

  /** How each folder is followed: 'watch' or 'poll'. */
  get modes(): Record<string, 'watch' | 'poll'> {
    const out: Record<string, 'watch' | 'poll'> = {};
    for (const r of this.watchers.keys()) out[r] = 'watch';
    for (const r of this.polls.keys()) out[r] = 'poll';
    return out;
  }

  add(root: string): void {
    if (this.closed || this.watchers.has(root) || this.polls.has(root)) return;
    try {
      const w = watch(root, { recursive: true, persistent: false }, (_event, name) => {
        const rel = name?.toString();
        if (rel && rel.split(/[\\/]/).some(isIgnoredName)) return;
        if (rel && this.isOwn(root, join(root, rel))) return;
        this.markDirty(root);
      });
      w.on('error', () => {
        w.close();
        this.watchers.delete(root);
        this.poll(root);
      });
      this.watchers.set(root, w);
    } catch {
      this.poll(root);
    }
  }

  /**
   * Only a data folder that lies inside the watched folder is skipped: a library folder that is
   * itself inside the data folder (as in a portable install) is the user's, whatever sits above it.
   */
  private isOwn(root: string, path: string): boolean {
    return this.ignore.some((d) => d !== root && isWithin(root, d) && isWithin(d, path));
  }

  remove(root: string): void {
    this.watchers.get(root)?.close();
    this.watchers.delete(root);
    clearInterval(this.polls.get(root));
    this.polls.delete(root);
    this.dirty.delete(root);
  }

  close(): void {
    this.closed = true;
    for (const r of [...this.watchers.keys(), ...this.polls.keys()]) this.remove(r);
    clearTimeout(this.timer);
  }

  private poll(root: string): void {
    if (this.closed) return;
    const t = setInterval(() => this.markDirty(root), this.pollMs);
    t.unref();
    this.polls.set(root, t);
  }

  private markDirty(root: string): void {
    if (this.closed) return;
    if (this.dirty.size === 0) this.firstDirtyAt = Date.now();
    this.dirty.add(root);
    clearTimeout(this.timer);
    const wait = Math.min(this.debounceMs, Math.max(0, this.firstDirtyAt + this.maxWaitMs - Date.now()));
    this.timer = setTimeout(() => {
      const roots = [...this.dirty];
      this.dirty.clear();
      this.onChange(roots);
    }, wait);
  }
}

export interface LibraryWatchEvents {
  indexed: [IndexSummary];
  error: [EngineError];
  job: [IndexJob];
}

/**
 * Keeps the library current while the app runs: every library folder is watched, and a change
 * starts an incremental index of the affected folders, one job at a time (changes during a job
 * queue one more). Listen to 'indexed' to refresh the search index from `touchedSoundIds`.
 */
export class LibraryWatch extends EventEmitter<LibraryWatchEvents> {
  private readonly watcher: FolderWatcher;
  private running: IndexJob | undefined;
  private readonly queued = new Set<string>();

  constructor(
    private readonly store: LibraryStore,
    private readonly model: IndexModel,
    options: FolderWatchOptions & Pick<IndexOptions, 'workers' | 'analysis'> = {},
  ) {
    super();
    this.watcher = new FolderWatcher(store.roots().map((r) => r.path), (roots) => this.rescan(roots, options), { ...options, ignore: store.dataFolder ? [store.dataFolder] : [] });
  }

  get job(): IndexJob | undefined {
    return this.running;
  }

  /** Follows a folder added to the library after the watch started. */
  follow(root: string): void {
    this.watcher.add(root);
  }

  unfollow(root: string): void {
    this.watcher.remove(root);
  }

  close(): void {
    this.watcher.close();
    this.running?.cancel();
  }

  private rescan(roots: string[], options: Pick<IndexOptions, 'workers' | 'analysis'>): void {
    if (this.running) {
      for (const r of roots) this.queued.add(r);
      return;
    }
    const job = startIndexing({ store: this.store, model: this.model, only: roots, workers: options.workers, analysis: options.analysis });
    this.running = job;
    this.emit('job', job);
    job.result.then(
      (summary) => this.emit('indexed', summary),
      (err: unknown) => { if (this.listenerCount('error')) this.emit('error', EngineError.from(err)); },
    ).finally(() => {
      this.running = undefined;
      if (this.queued.size) {
        const next = [...this.queued];
        this.queued.clear();
        this.rescan(next, options);
      }
    });
  }
}
