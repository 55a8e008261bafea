import { readFileSync } from 'node:fs';
import { EngineError } from '../errors.ts';

/**
 * The files Onomato knows how to fetch: backbones here, datasets in evaluation/dataset-catalogue.ts.
 * Only the files are listed; the model itself is built locally.
 */
export interface Published {
  url: string;
  /** Published digest; when absent the download is checked by size alone, or not at all (said in `unverified`). */
  sha256?: string;
  bytes?: number;
}

export interface CatalogueEntry extends Published {
  id: string;
  name: string;
  file: string;
  embeddingSize: number;
  widthMultiplier: number;
  /** A QVIM-style checkpoint with an imitation and a reference tower; otherwise one network serves both. */
  twoTowers: boolean;
  licence: string;
  /** Who made it and where it is published, as a user should read it before downloading. */
  source: string;
  /** What could not be confirmed about the file where this was written. */
  unverified?: string;
  audiosetMAP?: number;
}

const RELEASE = 'https://github.com/fschmid56/EfficientAT/releases/download/v0.0.1/';

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'mn04_as',
    name: 'EfficientAT mn04_as (AudioSet)',
    file: 'mn04_as_mAP_432.pt',
    url: `${RELEASE}mn04_as_mAP_432.pt`,
    sha256: '899a8c6217063f6941793102a2780b3dd788ab11fce468d9cf5f0577c453321c',
    bytes: 4_066_513,
    embeddingSize: 384,
    widthMultiplier: 0.4,
    twoTowers: false,
    licence: 'MIT',
    source: 'EfficientAT (Schmid, Koutini, Widmer), release v0.0.1 on GitHub: fschmid56/EfficientAT',
    audiosetMAP: 0.432,
  },
  {
    // The QVIM baseline's backbone. The size comes from a third-party record of the release file
    // (which also gives the digest prefix 0bd7dc24, not checked here because it is unconfirmed).
    id: 'mn10_as',
    name: 'EfficientAT mn10_as (AudioSet)',
    file: 'mn10_as_mAP_471.pt',
    url: `${RELEASE}mn10_as_mAP_471.pt`,
    bytes: 19_708_753,
    embeddingSize: 960,
    widthMultiplier: 1.0,
    twoTowers: false,
    licence: 'MIT',
    source: 'EfficientAT (Schmid, Koutini, Widmer), release v0.0.1 on GitHub: fschmid56/EfficientAT',
    unverified: 'its sha256 was not available where this was written; it is checked by size only',
    audiosetMAP: 0.471,
  },
  {
    // The address is the one the challenge's own MN-baseline submission notebook downloads
    // (qvim-aes/qvim-submission, AES-QVIM2025_baseline_MN.ipynb: wget_download("baseline.ckpt", ...)).
    id: 'qvim_baseline',
    name: 'QVIM baseline two towers (mn10, fine-tuned on VimSketch)',
    file: 'baseline.ckpt',
    url: 'https://cloud.cp.jku.at/index.php/s/ScDdSP9bHEDmYtr/download/baseline.ckpt',
    embeddingSize: 960,
    widthMultiplier: 1.0,
    twoTowers: true,
    licence: 'not stated with the file; the baseline code is published by the AES AIMLA 2025 QVIM challenge (github.com/qvim-aes/qvim-baseline)',
    source: 'AES AIMLA Challenge 2025 QVIM baseline (Primus, Schmid, Greif, Widmer; JKU Linz), shared on cloud.cp.jku.at',
    unverified: 'no size or sha256 is published for this file and none could be fetched where this was written: it is accepted when it reads as a two-tower EfficientAT checkpoint, and its digest is recorded at the first download',
  },
];

export const DEFAULT_MODEL_ID = 'mn04_as';

export function catalogueEntry(id: string): CatalogueEntry {
  const entry = CATALOGUE.find((e) => e.id === id);
  if (!entry) throw new EngineError('invalid-argument', `unknown model "${id}"; known models: ${CATALOGUE.map((e) => e.id).join(', ')}`);
  return withOverride(entry);
}

/**
 * `ONOMATO_CATALOGUE=<file.json>` replaces where catalogue files come from, by id:
 * `{ "vimsketch": { "url": "http://127.0.0.1:8080/vs.zip", "sha256": "…", "bytes": 123 } }`. Tests point
 * the catalogue at a local server with it; a mirror or an institution's copy works the same way.
 * A field left out keeps the catalogue's value, except that a new url drops the old digest and size
 * unless the override gives its own.
 */
export function withOverride<T extends Published & { id: string }>(entry: T, env: NodeJS.ProcessEnv = process.env): T {
  const file = env.ONOMATO_CATALOGUE;
  if (!file) return entry;
  let overrides: Record<string, Partial<Published>>;
  try {
    overrides = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Partial<Published>>;
  } catch (cause) {
    throw new EngineError('invalid-argument', `ONOMATO_CATALOGUE names a file that is not readable JSON (${(cause as Error).message})`, { file, cause });
  }
  const o = overrides[entry.id];
  if (!o) return entry;
  if (typeof o.url !== 'string' && o.url !== undefined) throw new EngineError('invalid-argument', `the override for "${entry.id}" has a url that is not text`, { file });
  const moved = o.url !== undefined && o.url !== entry.url;
  return {
    ...entry,
    url: o.url ?? entry.url,
    sha256: o.sha256 ?? (moved ? undefined : entry.sha256),
    bytes: o.bytes ?? (moved ? undefined : entry.bytes),
  };
}
