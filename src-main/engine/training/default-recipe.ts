import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FeatureRecipe } from '../model-version/features.ts';

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

/** One CSV line's fields (the proxy writer quotes fields holding commas or quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/**
 * Where each reference of a proxy benchmark (evaluation/proxy.ts) came from: its DEV CSV's
 * Label column holds the path inside the library named in its dataset.json; the Items column
 * the item's file name. Keyed by item id (the file name).
 */
export async function proxySources(proxyDir: string): Promise<Map<string, string>> {
  const info = JSON.parse(await readFile(join(proxyDir, 'dataset.json'), 'utf8')) as { library?: string };
  const library = resolve(info.library ?? '.');
  const lines = (await readFile(join(proxyDir, 'DEV Dataset.csv'), 'utf8')).trim().split('\n').slice(2);
  return new Map(lines.map((l) => csvFields(l.replace(/\r$/, ''))).map((f) => [f[2], resolve(library, f[0])]));
}

/** The library files a proxy benchmark took as references; training leaves them out, so a head is never measured on a sound it was trained on. */
export async function proxyReferenceFiles(proxyDir: string): Promise<Set<string>> {
  return new Set((await proxySources(proxyDir)).values());
}
