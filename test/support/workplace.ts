import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The workplace's shared folder (pretrained weights, the SFX fetch script): ONOMATO_SHARED_DIR,
 * else `shared/` beside the checkout, else the machines' fixed /work/shared (CI runs from a
 * fresh clone that may live elsewhere). Tests need it; the product only reads the weights from
 * a configured folder (ONOMATO_PRETRAINED_DIR) or downloads them.
 */
export function workplaceSharedDir(): string {
  const candidates = [process.env.ONOMATO_SHARED_DIR, join(repo, '..', 'shared'), '/work/shared'].filter((d): d is string => Boolean(d));
  const found = candidates.find((d) => existsSync(join(d, 'pretrained')) && existsSync(join(d, 'sfx', 'fetch-sfx-library.sh')));
  if (!found) throw new Error(`The tests need the workplace's shared folder (pretrained weights, SFX fetch script); looked in ${candidates.join(', ')}. Set ONOMATO_SHARED_DIR.`);
  return found;
}

/** Environment for tests and benches: where the model build finds its checkpoint without a download. */
export function testEnvironment(): Record<string, string> {
  return { ONOMATO_PRETRAINED_DIR: process.env.ONOMATO_PRETRAINED_DIR ?? join(workplaceSharedDir(), 'pretrained') };
}
