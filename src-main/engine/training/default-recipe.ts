import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FeatureRecipe } from './features.ts';

/**
 * The feature recipe the shipped default heads read, chosen by measurement on the QVIM-proxy
 * benchmark (synthetic imitations of the small SFX library; see models/heads/<id>.md): the
 * pooled backbone says what a sound is, the modulation spectrum how it moves in time and pitch
 * (the part that lets search beat 2DFT), the two contours its envelope and brightness.
 */
export const DEFAULT_FEATURES: FeatureRecipe = {
  backbone: 'mn04_as',
  parts: [
    { name: 'backbone', weight: 0.3 },
    { name: 'modulation', weight: 0.5 },
    { name: 'envelope', weight: 0.1 },
    { name: 'brightness', weight: 0.1 },
  ],
};

/**
 * The library files a proxy benchmark (evaluation/proxy.ts) took as references: its DEV CSV's
 * Label column holds each one's path inside the library named in its dataset.json. Training
 * leaves them out, so a head is never measured on a sound it was trained on.
 */
export async function proxyReferenceFiles(proxyDir: string): Promise<Set<string>> {
  const info = JSON.parse(await readFile(join(proxyDir, 'dataset.json'), 'utf8')) as { library?: string };
  const lines = (await readFile(join(proxyDir, 'DEV Dataset.csv'), 'utf8')).trim().split('\n').slice(2);
  const library = resolve(info.library ?? '.');
  return new Set(lines.map((l) => resolve(library, l.startsWith('"') ? l.slice(1, l.indexOf('"', 1)) : l.split(',')[0])));
}
