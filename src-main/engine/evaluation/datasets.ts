import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { EngineError } from '../errors.ts';
import { readRegularFile } from '../regular-file.ts';
import { unusable, type Dataset, type DatasetLayout } from './dataset-types.ts';
import { readCsvDataset, findPairsCsv } from './csv-layout.ts';
import { DEV_CSV, readQvimDev } from './qvim-dev-layout.ts';
import { VIMSKETCH_REFERENCES, readVimSketch } from './vimsketch-layout.ts';

export type { Dataset, DatasetItem, DatasetLayout, DatasetProblem, DatasetProblemKind, DatasetQuery } from './dataset-types.ts';
export { problemText } from './dataset-types.ts';

/** Optional `dataset.json` ({ "name": ... }) lets a folder say what it is, e.g. a proxy benchmark. */
export const DATASET_INFO = 'dataset.json';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds which layout a folder is in. The folder may be the dataset itself or the folder the
 * challenge downloads unpack into (`qvim-dev/`, `Vim_Sketch_Dataset/`).
 */
export async function detectLayout(dir: string): Promise<{ layout: DatasetLayout; root: string }> {
  const root = resolve(dir);
  for (const candidate of [root, join(root, 'qvim-dev')]) {
    if (await isFile(join(candidate, DEV_CSV))) return { layout: 'qvim-dev', root: candidate };
  }
  for (const candidate of [root, join(root, 'Vim_Sketch_Dataset')]) {
    if (await isFile(join(candidate, VIMSKETCH_REFERENCES))) return { layout: 'vimsketch', root: candidate };
  }
  if (await findPairsCsv(root)) return { layout: 'csv', root };
  throw new EngineError(
    'dataset',
    `this folder is not a dataset Onomato can read: it needs "${DEV_CSV}" (QVIM DEV), "${VIMSKETCH_REFERENCES}" (VimSketch) or a CSV with imitation, reference and class columns`,
    { file: root },
  );
}

async function datasetName(root: string, layout: DatasetLayout): Promise<string> {
  try {
    const info = JSON.parse((await readRegularFile(join(root, DATASET_INFO), 1 << 20, 'dataset description')).toString('utf8')) as { name?: unknown };
    if (typeof info.name === 'string' && info.name.trim()) return info.name.trim();
  } catch {
    // No description: name it by its layout.
  }
  if (layout === 'qvim-dev') return 'QVIM DEV';
  if (layout === 'vimsketch') return 'VimSketch';
  return basename(root);
}

/** Loads a dataset in any of the three layouts; problems that leave it usable are in `problems`. */
export async function loadDataset(dir: string): Promise<Dataset> {
  const { layout, root } = await detectLayout(dir);
  const name = await datasetName(root, layout);
  if (layout === 'qvim-dev') return readQvimDev(root, name);
  if (layout === 'vimsketch') return readVimSketch(root, name);
  return readCsvDataset(root, name);
}

/**
 * Loads a dataset to evaluate on. A dataset with problems is refused with every problem listed,
 * so that numbers are never reported on a silently shrunken set, unless `allowProblems` (the
 * broken rows are then left out and the report counts them).
 */
export async function loadDatasetForRun(dir: string, opts: { allowProblems?: boolean } = {}): Promise<Dataset> {
  const dataset = await loadDataset(dir);
  const n = dataset.problems.length;
  if (n > 0 && !opts.allowProblems) {
    unusable(dataset.root, `the dataset "${dataset.name}" has ${n} problem${n === 1 ? '' : 's'} to fix before it can be evaluated`, dataset.problems);
  }
  return dataset;
}
