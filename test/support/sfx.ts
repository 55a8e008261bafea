import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../../src-main/engine/csv.ts';
import { workplaceSharedDir } from './workplace.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const dest = `${repo}.cache/sfx-small`;

/**
 * The small real SFX library (~930 clips from Debian packages), built once into .cache/ by the
 * shared script. flock keeps parallel test runs and helpers from building it twice at once.
 */
export async function smallSfxLibrary(): Promise<string> {
  if (!existsSync(`${dest}/manifest.csv`)) {
    execFileSync('flock', ['/tmp/onomato-sfx.lock', 'bash', `${workplaceSharedDir()}/sfx/fetch-sfx-library.sh`, '--set', 'small', dest], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return dest;
}

/** The clips of an SFX library copy, as paths relative to it, in manifest.csv's order (read as CSV, header skipped). */
export function sfxManifestPaths(library: string): string[] {
  return parseCsv(readFileSync(join(library, 'manifest.csv'), 'utf8')).slice(1).map((row) => row.fields[0]);
}
