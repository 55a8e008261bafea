import { EngineError } from '../errors.ts';

/**
 * The checkpoints Onomato knows how to fetch: EfficientAT's AudioSet-trained MobileNets from the
 * project's v0.0.1 release (MIT). Only the files are listed; the model itself is built locally.
 */
export interface CatalogueEntry {
  id: string;
  file: string;
  url: string;
  /** Published digest; when absent the download is checked by size alone. */
  sha256?: string;
  bytes?: number;
  embeddingSize: number;
  widthMultiplier: number;
  audiosetMAP: number;
}

const RELEASE = 'https://github.com/fschmid56/EfficientAT/releases/download/v0.0.1/';

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'mn04_as',
    file: 'mn04_as_mAP_432.pt',
    url: `${RELEASE}mn04_as_mAP_432.pt`,
    sha256: '899a8c6217063f6941793102a2780b3dd788ab11fce468d9cf5f0577c453321c',
    bytes: 4_066_513,
    embeddingSize: 384,
    widthMultiplier: 0.4,
    audiosetMAP: 0.432,
  },
  {
    // The QVIM baseline's backbone. Its sha256 could not be obtained on the machines this was written
    // on; the size comes from a third-party record of the release file (which also gives the digest
    // prefix 0bd7dc24, not checked here because it is unconfirmed).
    id: 'mn10_as',
    file: 'mn10_as_mAP_471.pt',
    url: `${RELEASE}mn10_as_mAP_471.pt`,
    bytes: 19_708_753,
    embeddingSize: 960,
    widthMultiplier: 1.0,
    audiosetMAP: 0.471,
  },
];

export const DEFAULT_MODEL_ID = 'mn04_as';

export function catalogueEntry(id: string): CatalogueEntry {
  const entry = CATALOGUE.find((e) => e.id === id);
  if (!entry) throw new EngineError('invalid-argument', `unknown model "${id}"; known models: ${CATALOGUE.map((e) => e.id).join(', ')}`);
  return entry;
}
