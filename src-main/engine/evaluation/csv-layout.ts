import { readdir } from 'node:fs/promises';
import { readRegularFile } from '../regular-file.ts';
import { isAbsolute, join, relative, sep } from 'node:path';
import { looksLikeText, parseCsv } from './csv.ts';
import { assembleDataset, unusable, type Dataset, type DatasetProblem, type PairRow } from './dataset-types.ts';
import { cell, DATASET_LIST_MAX_BYTES, readDatasetCsv } from './layout-files.ts';

/** Accepted header names, case-insensitive: the words a spreadsheet author is likely to use. */
const COLUMN_NAMES = {
  imitation: ['imitation', 'query', 'imitation file', 'query file'],
  reference: ['reference', 'item', 'reference file', 'item file'],
  class: ['class', 'category'],
} as const;

function columnsOf(header: string[]): { imitation: number; reference: number; class: number } | undefined {
  const lower = header.map((h) => h.trim().toLowerCase());
  const find = (names: readonly string[]): number => lower.findIndex((h) => names.includes(h));
  const cols = { imitation: find(COLUMN_NAMES.imitation), reference: find(COLUMN_NAMES.reference), class: find(COLUMN_NAMES.class) };
  return cols.imitation >= 0 && cols.reference >= 0 && cols.class >= 0 ? cols : undefined;
}

/** The one CSV at the folder's top whose header names imitation, reference and class columns. */
export async function findPairsCsv(root: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => n.toLowerCase().endsWith('.csv')).sort();
  } catch {
    return undefined;
  }
  for (const n of names) {
    const bytes = await readRegularFile(join(root, n), DATASET_LIST_MAX_BYTES, 'dataset list').catch(() => undefined);
    if (!bytes) continue;
    // An unreadable CSV is still this layout's list when it is the only CSV: report it, don't hide it.
    if (!looksLikeText(bytes)) return names.length === 1 ? join(root, n) : undefined;
    const header = parseCsv(bytes.toString('utf8').split(/\r?\n/, 1)[0] ?? '')[0];
    if (header && columnsOf(header.fields)) return join(root, n);
  }
  return undefined;
}

function idOf(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/**
 * The plain layout: one CSV with a header naming imitation, reference and class columns; each
 * row pairs an imitation file with its reference file (paths relative to the folder). Ids are
 * those relative paths, so the same file name may appear in two folders.
 */
export async function readCsvDataset(root: string, name: string): Promise<Dataset> {
  const problems: DatasetProblem[] = [];
  const csvPath = await findPairsCsv(root);
  if (!csvPath) return unusable(root, 'no CSV with imitation, reference and class columns was found', problems);
  const rows = await readDatasetCsv(root, csvPath, ',', problems);
  const cols = rows[0] ? columnsOf(rows[0].fields) : undefined;
  if (!cols) {
    problems.push({ kind: 'unreadable', file: csvPath, line: 1, message: 'the header must name imitation, reference and class columns' });
    return unusable(root, 'the dataset list cannot be read', problems);
  }
  const pairs: PairRow[] = [];
  for (const row of rows.slice(1)) {
    const imitation = cell(row, cols.imitation).trim();
    const reference = cell(row, cols.reference).trim();
    const where = { file: csvPath, line: row.line };
    if (!reference) {
      problems.push({ kind: 'unknown-reference', ...where, message: `imitation "${imitation}" names no reference; the row is left out` });
      continue;
    }
    if (!imitation) {
      problems.push({ kind: 'no-imitations', ...where, message: `reference "${reference}" has no imitation on this row; the row is left out` });
      continue;
    }
    const queryPath = isAbsolute(imitation) ? imitation : join(root, imitation);
    const itemPath = isAbsolute(reference) ? reference : join(root, reference);
    pairs.push({ queryId: idOf(root, queryPath), queryPath, itemId: idOf(root, itemPath), itemPath, class: cell(row, cols.class).trim(), ...where });
  }
  return assembleDataset({ name, layout: 'csv', root }, pairs, problems);
}
