import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { LibraryStore } from '../../src-main/engine/library/store.ts';

/**
 * A disk that can be filled and freed on demand, for the full-disk tests. Where the tests may
 * mount (root, as on CI and the build machines) it is a real tmpfs of `bytes`, filled by a file
 * that takes all but a few KiB, so writes fail with ENOSPC exactly as on a full drive. Elsewhere
 * SQLite's own limit stands in for the database (PRAGMA max_page_count gives the same SQLITE_FULL),
 * and `real` says which one a test got.
 */
export interface SmallDisk {
  path: string;
  real: boolean;
  /** Leaves (next to) no free space; with `store`, also caps that database where no tmpfs could be had. */
  fill(store?: LibraryStore): void;
  free(store?: LibraryStore): void;
  close(): void;
}

export function smallDisk(parent: string, bytes: number): SmallDisk {
  const path = join(parent, 'small-disk');
  mkdirSync(path, { recursive: true });
  let real = true;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', path], { stdio: 'ignore' });
  } catch {
    real = false;
  }
  const filler = join(path, 'filler');
  return {
    path,
    real,
    fill(store) {
      if (real) {
        const s = statfsSync(path);
        const free = s.bavail * s.bsize;
        if (free > 8192) execFileSync('fallocate', ['-l', String(free - 4096), filler]);
      } else if (store) {
        store.rawDatabaseForTests().pragma(`max_page_count = ${store.rawDatabaseForTests().pragma('page_count', { simple: true }) as number}`);
      }
    },
    free(store) {
      if (real) rmSync(filler, { force: true });
      else if (store) store.rawDatabaseForTests().pragma('max_page_count = 1073741823');
    },
    close() {
      if (real) {
        try {
          execFileSync('umount', ['-l', path], { stdio: 'ignore' });
        } catch {
          // already gone
        }
      }
      rmSync(path, { recursive: true, force: true });
    },
  };
}
