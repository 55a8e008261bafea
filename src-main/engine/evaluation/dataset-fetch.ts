import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors.ts';
import { withOverride, type Published } from '../model/catalogue.ts';
import { download } from '../model/download.ts';
import { formatBytes, unpackZip } from '../model/zip.ts';
import { detectLayout, loadDataset, type DatasetLayout } from './datasets.ts';

/**
 * The public datasets of real vocal imitations, fetched into `<data folder>/datasets/<id>`: one
 * download (resumable, checked), one unpack by the project's ZIP reader, and a check that the folder
 * is in the layout the loaders read before it is called present.
 */
export type DatasetId = 'vimsketch' | 'qvim-dev';

export interface DatasetEntry extends Published {
  id: DatasetId;
  name: string;
  file: string;
  layout: DatasetLayout;
  licence: string;
  source: string;
  /** What it holds, in a sound designer's words. */
  contents: string;
  /** The unpack refuses an archive that states more than this (a zip-bomb guard with room to spare). */
  maxUnpackedBytes: number;
  unverified?: string;
}

export const DATASETS: readonly DatasetEntry[] = [
  {
    id: 'vimsketch',
    name: 'VimSketch',
    file: 'Vim_Sketch_Dataset.zip',
    // The address the QVIM baseline's own download code uses (qvim_mn_baseline/download.py).
    url: 'https://zenodo.org/records/2596911/files/Vim_Sketch_Dataset.zip?download=1',
    layout: 'vimsketch',
    licence: 'as stated on the Zenodo record (not confirmed here; read it at https://zenodo.org/records/2596911 before use)',
    source: 'VimSketch (Kim, Pardo et al., Northwestern University Interactive Audio Lab), Zenodo record 2596911',
    contents: '542 reference sounds and 12,543 vocal imitations by people (VocalSketch and Vocal Imitation Set)',
    maxUnpackedBytes: 24 * 2 ** 30,
    unverified: 'its size and checksum were not reachable where this was written, so the download is checked by each file\'s CRC-32 inside the archive and by its unpacking to the VimSketch layout (the Zenodo record page shows an MD5 to compare by hand)',
  },
  {
    id: 'qvim-dev',
    name: 'QVIM DEV',
    file: 'qvim-dev.zip',
    // The address the QVIM baseline's own download code uses (qvim_mn_baseline/download.py).
    url: 'https://cloud.cp.jku.at/index.php/s/R2tJQnPmxp6RSSz/download/qvim-dev.zip',
    layout: 'qvim-dev',
    licence: 'not stated with the file (not confirmed here; see https://qvim-aes.github.io for the challenge terms)',
    source: 'AES AIMLA Challenge 2025, Query by Vocal Imitation: public development set (JKU Linz)',
    contents: '121 reference sounds and 985 vocal imitations by people, in sound classes',
    maxUnpackedBytes: 8 * 2 ** 30,
    unverified: 'its size and checksum were not reachable where this was written, so the download is checked by each file\'s CRC-32 inside the archive and by its unpacking to the QVIM DEV layout',
  },
];

export function datasetEntry(id: string): DatasetEntry {
  const entry = DATASETS.find((d) => d.id === id);
  if (!entry) throw new EngineError('invalid-argument', `unknown dataset "${id}"; Onomato can fetch ${DATASETS.map((d) => d.id).join(' and ')}`);
  return withOverride(entry);
}

export interface DatasetStatus {
  id: string;
  name: string;
  state: 'present' | 'partial-download' | 'absent';
  folder: string;
  /** The folder the loaders read (inside `folder` when the archive had a top folder). */
  root?: string;
  items?: number;
  queries?: number;
  problems?: number;
  downloadedBytes?: number;
  entry?: DatasetEntry;
}

export type FetchPhase = 'download' | 'unpack' | 'check';

export interface FetchOptions {
  onProgress?: (phase: FetchPhase, done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Downloads and unpacks one dataset. A dataset already present is left as it is. The archive is
 * deleted once its folder checks out; a download cut off keeps its `.part` to resume from, and an
 * archive that unpacks to something that is not the dataset is deleted with its folder.
 */
export async function fetchDataset(datasetsDir: string, id: string, opts: FetchOptions = {}): Promise<DatasetStatus> {
  const entry = datasetEntry(id);
  const folder = join(datasetsDir, entry.id);
  await mkdir(datasetsDir, { recursive: true });
  if (existsSync(folder)) {
    const status = await datasetStatus(datasetsDir, entry);
    if (status.state === 'present') return status;
    throw new EngineError('dataset', `the folder exists but is not the ${entry.name} dataset; move it away to fetch again`, { file: folder });
  }
  const archive = join(datasetsDir, entry.file);
  if (!existsSync(archive)) {
    await download(entry.url, archive, {
      sha256: entry.sha256, bytes: entry.bytes, signal: opts.signal,
      onProgress: (done, total) => opts.onProgress?.('download', done, total),
    });
  }
  try {
    await unpackZip(archive, folder, {
      limits: { maxUnpackedBytes: entry.maxUnpackedBytes, maxRatio: 100 },
      signal: opts.signal,
      onProgress: (done, total) => opts.onProgress?.('unpack', done, total),
    });
  } catch (e) {
    // A cancelled unpack keeps the checked archive; one that cannot be unpacked is of no use.
    if (!(e instanceof EngineError && e.kind === 'cancelled')) await rm(archive, { force: true });
    throw e;
  }
  opts.onProgress?.('check', 0, 1);
  let layout: DatasetLayout;
  try {
    ({ layout } = await detectLayout(folder));
  } catch (cause) {
    await rm(folder, { recursive: true, force: true });
    await rm(archive, { force: true });
    throw new EngineError('dataset', `the archive ${entry.file} does not hold the ${entry.name} layout (${(cause as Error).message.replace(/^.*?: /, '')}); it was deleted`, { file: archive, cause });
  }
  if (layout !== entry.layout) {
    await rm(folder, { recursive: true, force: true });
    await rm(archive, { force: true });
    throw new EngineError('dataset', `the archive ${entry.file} holds a ${layout} dataset, not ${entry.name}; it was deleted`, { file: archive });
  }
  await rm(archive, { force: true });
  opts.onProgress?.('check', 1, 1);
  return datasetStatus(datasetsDir, entry);
}

/** What is in `<data folder>/datasets`: every catalogue dataset (present, half-downloaded or absent) and any other dataset folder. */
export async function listDatasets(datasetsDir: string): Promise<DatasetStatus[]> {
  const out: DatasetStatus[] = [];
  for (const d of DATASETS) out.push(await datasetStatus(datasetsDir, withOverride(d)));
  let names: string[] = [];
  try {
    names = (await readdir(datasetsDir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.includes('.unpacking-')).map((e) => e.name);
  } catch {
    // No datasets folder yet.
  }
  for (const name of names.filter((n) => !DATASETS.some((d) => d.id === n)).sort()) {
    const folder = join(datasetsDir, name);
    try {
      const ds = await loadDataset(folder);
      out.push({ id: name, name: ds.name, state: 'present', folder, root: ds.root, items: ds.items.length, queries: ds.queries.length, problems: ds.problems.length });
    } catch {
      // Not a dataset: not listed.
    }
  }
  return out;
}

async function datasetStatus(datasetsDir: string, entry: DatasetEntry): Promise<DatasetStatus> {
  const folder = join(datasetsDir, entry.id);
  const base = { id: entry.id, name: entry.name, folder, entry };
  if (existsSync(folder)) {
    try {
      const ds = await loadDataset(folder);
      if (ds.layout === entry.layout) {
        return { ...base, state: 'present', root: ds.root, items: ds.items.length, queries: ds.queries.length, problems: ds.problems.length };
      }
    } catch {
      // Falls through to absent: the folder is not this dataset.
    }
  }
  for (const name of [`${entry.file}.part`, entry.file]) {
    try {
      const { size } = await stat(join(datasetsDir, name));
      return { ...base, state: 'partial-download', downloadedBytes: size };
    } catch {
      // Not there.
    }
  }
  return { ...base, state: 'absent' };
}

/** The sentence shown before a download starts: what it is, whose it is, under which terms, how big. */
export function datasetNotice(entry: DatasetEntry): string {
  const size = entry.bytes !== undefined ? formatBytes(entry.bytes) : 'size not published';
  return [
    `${entry.name}: ${entry.contents}.`,
    `Source: ${entry.source}.`,
    `Licence: ${entry.licence}.`,
    `Download: ${entry.url} (${size}).`,
    ...(entry.unverified ? [`Note: ${entry.unverified}.`] : []),
  ].join('\n');
}
