import { join } from 'node:path';
import { assembleDataset, type Dataset, type DatasetItem, type DatasetProblem, type PairRow } from './dataset-types.ts';
import { cell, readDatasetCsv } from './layout-files.ts';

export const VIMSKETCH_REFERENCES = 'reference_file_names.csv';
export const VIMSKETCH_IMITATIONS = 'vocal_imitation_file_names.csv';

/** The name an imitation and its reference share: the file name without its first `_` token. */
export function vimSketchKey(fileName: string): string {
  return fileName.split('_').slice(1).join('_');
}

/**
 * VimSketch has no class column. Its reference names start with an ontology token such as
 * `000Animal` (`001_000Animal_Domestic animals_pets_Cat_Growling.wav`), so the class is that
 * token without its leading digits; NDCG on VimSketch therefore means "same top-level category".
 */
export function vimSketchClass(fileName: string): string {
  const token = vimSketchKey(fileName).split('_')[0] ?? '';
  return token.replace(/^\d+/, '') || token;
}

/**
 * The VimSketch layout as the baseline reads it: two tab-separated lists (one file name per
 * line, no header) and the folders references/ and vocal_imitations/. Every reference is an
 * item, imitated or not.
 */
export async function readVimSketch(root: string, name: string): Promise<Dataset> {
  const problems: DatasetProblem[] = [];
  const refCsv = join(root, VIMSKETCH_REFERENCES);
  const imCsv = join(root, VIMSKETCH_IMITATIONS);
  const refRows = await readDatasetCsv(root, refCsv, '\t', problems);
  const imRows = await readDatasetCsv(root, imCsv, '\t', problems);

  const byKey = new Map<string, { file: string; line: number }>();
  const items: DatasetItem[] = [];
  for (const row of refRows) {
    const file = cell(row, 0).trim();
    if (!file) continue;
    const key = vimSketchKey(file);
    const first = byKey.get(key);
    if (first) {
      problems.push({
        kind: 'conflicting-row',
        file: refCsv,
        line: row.line,
        message: `reference "${file}" has the same name after its first "_" as "${first.file}" (line ${first.line}); imitations are matched to the first`,
      });
      continue;
    }
    byKey.set(key, { file, line: row.line });
    items.push({ id: file, path: join(root, 'references', file), class: vimSketchClass(file) });
  }

  const pairs: PairRow[] = [];
  for (const row of imRows) {
    const file = cell(row, 0).trim();
    if (!file) continue;
    const ref = byKey.get(vimSketchKey(file));
    if (!ref) {
      problems.push({ kind: 'unknown-reference', file: imCsv, line: row.line, message: `imitation "${file}" matches no reference (none is named "…_${vimSketchKey(file)}"); it is left out` });
      continue;
    }
    pairs.push({
      queryId: file,
      queryPath: join(root, 'vocal_imitations', file),
      itemId: ref.file,
      itemPath: join(root, 'references', ref.file),
      class: vimSketchClass(ref.file),
      file: imCsv,
      line: row.line,
    });
  }
  return assembleDataset({ name, layout: 'vimsketch', root }, pairs, problems, items);
}
