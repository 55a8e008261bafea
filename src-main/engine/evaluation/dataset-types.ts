import { stat } from 'node:fs/promises';
import { EngineError } from '../errors.ts';

export type DatasetLayout = 'qvim-dev' | 'vimsketch' | 'csv';

/** A reference sound: what a query should find. `id` is the name the official JSON uses. */
export interface DatasetItem {
  id: string;
  path: string;
  class: string;
}

/** A vocal imitation and the reference it imitates. */
export interface DatasetQuery {
  id: string;
  path: string;
  class: string;
  itemId: string;
}

export type DatasetProblemKind =
  | 'missing-file'
  | 'unknown-reference'
  | 'empty-class'
  | 'duplicate-row'
  | 'conflicting-row'
  | 'no-imitations'
  | 'incomplete-row'
  | 'unreadable';

/** One thing wrong with a dataset, said so that its author can fix it. */
export interface DatasetProblem {
  kind: DatasetProblemKind;
  message: string;
  /** The CSV (or audio file) at fault, and the CSV line where it applies. */
  file?: string;
  line?: number;
}

export interface Dataset {
  name: string;
  layout: DatasetLayout;
  root: string;
  /** Sorted by id, the order the official code lists references in (np.unique). */
  items: DatasetItem[];
  /** In the order the dataset lists them. */
  queries: DatasetQuery[];
  /** What was wrong but left the dataset usable; each names what was left out. */
  problems: DatasetProblem[];
}

/** One imitation-reference pair as a layout reads it, before any checking. */
export interface PairRow {
  queryId: string;
  queryPath: string;
  itemId: string;
  itemPath: string;
  class: string;
  file: string;
  line: number;
}

export function problemText(p: DatasetProblem): string {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : '';
  return `${where}${p.message}`;
}

/** Throws the one error a dataset that cannot be evaluated gives: every problem, one per line. */
export function unusable(root: string, reason: string, problems: DatasetProblem[]): never {
  const list = problems.map((p) => `  - ${problemText(p)}`).join('\n');
  throw new EngineError('dataset', `${reason}${problems.length ? `:\n${list}` : ''}`, { file: root });
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Turns a layout's rows into a checked dataset. Every row that cannot be used becomes a
 * problem that says what was left out; nothing is skipped silently. When nothing usable is
 * left, the whole list is thrown as one EngineError('dataset').
 */
export async function assembleDataset(
  base: { name: string; layout: DatasetLayout; root: string },
  rows: PairRow[],
  problems: DatasetProblem[],
  extraItems: DatasetItem[] = [],
): Promise<Dataset> {
  const items = new Map<string, DatasetItem>();
  const queries = new Map<string, DatasetQuery>();
  const addItem = (it: DatasetItem, file: string, line?: number): boolean => {
    const known = items.get(it.id);
    if (!known) {
      items.set(it.id, it);
      return true;
    }
    if (known.class !== it.class || known.path !== it.path) {
      problems.push({
        kind: 'conflicting-row',
        file,
        line,
        message: `reference "${it.id}" is listed again with ${known.class !== it.class ? `class "${it.class}" (first "${known.class}")` : `path ${it.path} (first ${known.path})`}; the first listing is kept`,
      });
    }
    return true;
  };

  for (const row of rows) {
    if (!row.class.trim()) {
      problems.push({ kind: 'empty-class', file: row.file, line: row.line, message: `imitation "${row.queryId}" of "${row.itemId}" has no class; the row is left out` });
      continue;
    }
    addItem({ id: row.itemId, path: row.itemPath, class: row.class }, row.file, row.line);
    const known = queries.get(row.queryId);
    if (known) {
      const same = known.itemId === row.itemId;
      problems.push({
        kind: same ? 'duplicate-row' : 'conflicting-row',
        file: row.file,
        line: row.line,
        message: same
          ? `imitation "${row.queryId}" of "${row.itemId}" is listed twice; counted once`
          : `imitation "${row.queryId}" is listed for "${row.itemId}" but already for "${known.itemId}"; the first listing is kept`,
      });
      continue;
    }
    queries.set(row.queryId, { id: row.queryId, path: row.queryPath, class: row.class, itemId: row.itemId });
  }
  for (const it of extraItems) addItem(it, base.root);

  // A query must be scored against its own reference's class for NDCG to mean anything.
  for (const q of queries.values()) {
    const it = items.get(q.itemId)!;
    if (it.class !== q.class) {
      problems.push({ kind: 'conflicting-row', message: `imitation "${q.id}" has class "${q.class}" but its reference "${it.id}" has "${it.class}"; the reference's class is used` });
      q.class = it.class;
    }
  }

  const missingItems = new Set<string>();
  await Promise.all(
    [...items.values()].map(async (it) => {
      if (!(await exists(it.path))) missingItems.add(it.id);
    }),
  );
  const missingQueries = new Set<string>();
  await Promise.all(
    [...queries.values()].map(async (q) => {
      if (!(await exists(q.path))) missingQueries.add(q.id);
    }),
  );
  for (const id of [...missingItems].sort()) {
    const orphans = [...queries.values()].filter((q) => q.itemId === id && !missingQueries.has(q.id)).length;
    problems.push({
      kind: 'missing-file',
      file: items.get(id)!.path,
      message: `reference "${id}" is missing${orphans ? `; its ${orphans} imitation${orphans === 1 ? ' is' : 's are'} left out` : ''}`,
    });
    items.delete(id);
  }
  for (const id of missingQueries) problems.push({ kind: 'missing-file', file: queries.get(id)!.path, message: `imitation "${id}" is missing; it is left out` });

  const keptQueries = [...queries.values()].filter((q) => !missingQueries.has(q.id) && items.has(q.itemId));
  const keptItems = [...items.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (keptItems.length === 0 || keptQueries.length === 0) {
    unusable(base.root, `the ${base.layout} dataset has no ${keptItems.length === 0 ? 'usable references' : 'usable imitations'}`, problems);
  }
  return { ...base, items: keptItems, queries: keptQueries, problems };
}
