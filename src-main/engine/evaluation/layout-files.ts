import { readRegularFile } from '../regular-file.ts';
import { looksLikeText, parseCsv, type CsvRow } from './csv.ts';
import { unusable, type DatasetProblem } from './dataset-types.ts';

/** A dataset list is text of a few MB at most (VimSketch's is 1 MB); a path may be a device or a pipe. */
export const DATASET_LIST_MAX_BYTES = 64 << 20;

/** Reads a dataset's CSV, or throws the dataset error that says why it cannot be read. */
export async function readDatasetCsv(root: string, path: string, delimiter: string, problems: DatasetProblem[]): Promise<CsvRow[]> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, DATASET_LIST_MAX_BYTES, 'dataset list');
  } catch (err) {
    problems.push({ kind: 'unreadable', file: path, message: `cannot be read (${(err as Error).message.replace(`${path}: `, '')})` });
    return unusable(root, 'the dataset list cannot be read', problems);
  }
  if (!looksLikeText(bytes)) {
    problems.push({ kind: 'unreadable', file: path, message: 'is not a text CSV file' });
    return unusable(root, 'the dataset list cannot be read', problems);
  }
  return parseCsv(bytes.toString('utf8'), delimiter);
}

/** The value of a named column, '' where a short row lacks it. */
export function cell(row: CsvRow, column: number): string {
  return row.fields[column] ?? '';
}
