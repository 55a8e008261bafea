import { join } from 'node:path';
import { assembleDataset, unusable, type Dataset, type DatasetProblem, type PairRow } from './dataset-types.ts';
import { cell, readDatasetCsv } from './layout-files.ts';

export const DEV_CSV = 'DEV Dataset.csv';
const REQUIRED = ['Label', 'Class', 'Items'] as const;
const QUERY_COLUMNS = ['Query 1', 'Query 2', 'Query 3'] as const;

/**
 * The QVIM DEV layout, read as the challenge baseline reads it (AESAIMLA_DEV):
 * `DEV Dataset.csv` whose first line is a title row, then a header with Label, Class, Items,
 * Query 1-3; one row per reference with up to three imitations; audio at
 * Items/<Class>/<item> and Queries/<Class>/<query>. Like the baseline (melt + dropna), a row
 * missing its label, class or reference, or with no imitation, contributes nothing; here
 * each such row is reported.
 */
export async function readQvimDev(root: string, name: string): Promise<Dataset> {
  const csvPath = join(root, DEV_CSV);
  const problems: DatasetProblem[] = [];
  const rows = await readDatasetCsv(root, csvPath, ',', problems);
  const header = rows[1];
  const columns = new Map((header?.fields ?? []).map((h, i) => [h.trim(), i]));
  const missing = [...REQUIRED, ...QUERY_COLUMNS].filter((c) => !columns.has(c));
  if (!header || missing.length > 0) {
    problems.push({
      kind: 'unreadable',
      file: csvPath,
      line: 2,
      message: header ? `the header (line 2, after the title row) lacks ${missing.map((c) => `"${c}"`).join(', ')}` : 'has no header row after the title row',
    });
    unusable(root, 'the QVIM DEV list cannot be read', problems);
  }
  const col = (c: string): number => columns.get(c)!;

  const pairs: PairRow[] = [];
  for (const row of rows.slice(2)) {
    const label = cell(row, col('Label'));
    const cls = cell(row, col('Class'));
    const item = cell(row, col('Items'));
    const imitations = QUERY_COLUMNS.map((c) => cell(row, col(c))).filter((q) => q.trim() !== '');
    const where = { file: csvPath, line: row.line };
    if (!item.trim()) {
      problems.push({ kind: 'unknown-reference', ...where, message: 'the row names no reference (Items is empty); it is left out' });
      continue;
    }
    if (!cls.trim()) {
      problems.push({ kind: 'empty-class', ...where, message: `reference "${item}" has no class; the row is left out` });
      continue;
    }
    if (!label.trim()) {
      problems.push({ kind: 'incomplete-row', ...where, message: `reference "${item}" has no label; the official loader drops such rows, so it is left out` });
      continue;
    }
    if (imitations.length === 0) {
      problems.push({ kind: 'no-imitations', ...where, message: `reference "${item}" has no imitations on this row` });
      continue;
    }
    for (const q of imitations) {
      pairs.push({
        queryId: q,
        queryPath: join(root, 'Queries', cls, q),
        itemId: item,
        itemPath: join(root, 'Items', cls, item),
        class: cls,
        ...where,
      });
    }
  }
  return assembleDataset({ name, layout: 'qvim-dev', root }, pairs, problems);
}
