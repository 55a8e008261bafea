import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding Onomato's package.json and models/: the repository when running from
 * source, dist/ (or the packaged app) when bundled. Found by walking up from this module, so
 * the same code works in both layouts.
 */
export const appRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'onomato') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Onomato cannot find its own package.json');
    dir = parent;
  }
})();

export const appVersion: string = (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string }).version;
