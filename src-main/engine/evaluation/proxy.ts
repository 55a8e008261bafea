import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { loadMono32k, MODEL_SAMPLE_RATE, writeWav } from '../audio/decode.ts';
import { EngineError } from '../errors.ts';
import { parseCsv } from '../csv.ts';
import { DATASET_INFO } from './datasets.ts';
import { analyseReference, IMITATION_SAMPLE_RATE } from './imitators/analysis.ts';
import { DEFAULT_IMITATORS, imitatorFamilies } from './imitators/registry.ts';
import { DEV_CSV } from './qvim-dev-layout.ts';
import { splitmix32, shuffled } from '../random.ts';

/**
 * The proxy benchmark: no real vocal imitations can be had on these machines, so this builds a
 * dataset in the QVIM DEV layout whose queries are synthetic imitations of real library sounds
 * by one or more imitator families (see imitators/). It measures whether a system follows contour, envelope, rhythm
 * and brightness across a change of timbre; it is not the challenge's data, and its name says
 * so in every report: "QVIM-proxy (synthetic imitations of <library>)".
 */
export interface ProxyOptions {
  seed?: number;
  /** How many library sounds become references, balanced across categories (default 120). */
  references?: number;
  /** Imitations per reference (default 3). */
  queriesPerReference?: number;
  /**
   * Imitator family ids (imitators/registry.ts), or ['all']. Default ['formant'], the original
   * proxy, whose audio is identical to what it was before families existed. With several, each
   * reference's imitations go round the families from a seeded starting point, so every family
   * imitates about the same share of references and of categories; imitators.csv says which.
   */
  imitators?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ProxyResult {
  root: string;
  name: string;
  references: number;
  queries: number;
  /** Family ids used, in the order given. */
  imitators: string[];
  /** Library sounds that were drawn but could not be used, with the reason. */
  skipped: { path: string; reason: string }[];
}

/** `query,family`: which imitator family made each query file (the file name under Queries/<class>/). */
export const IMITATORS_CSV = 'imitators.csv';

export function proxyDatasetName(library: string): string {
  return `QVIM-proxy (synthetic imitations of ${library})`;
}

interface LibrarySound {
  path: string;
  source: string;
  category: string;
  license: string;
}

async function readManifest(libraryDir: string): Promise<LibrarySound[]> {
  const manifest = join(libraryDir, 'manifest.csv');
  let text: string;
  try {
    text = await readFile(manifest, 'utf8');
  } catch (err) {
    throw new EngineError('dataset', 'the library has no manifest.csv (path,source,category,license) to take categories from', { file: manifest, cause: err });
  }
  const [header, ...rows] = parseCsv(text);
  const col = (name: string): number => header?.fields.findIndex((h) => h.trim().toLowerCase() === name) ?? -1;
  const [p, s, c, l] = ['path', 'source', 'category', 'license'].map(col);
  if (p < 0 || c < 0) throw new EngineError('dataset', 'manifest.csv needs path and category columns', { file: manifest });
  return rows
    .map((r) => ({ path: r.fields[p] ?? '', source: r.fields[s] ?? '', category: (r.fields[c] ?? '').trim(), license: r.fields[l] ?? '' }))
    .filter((r) => r.path && r.category);
}

/** Round-robin over categories (each shuffled by the seed), so small categories are not drowned out. */
function balancedOrder(sounds: LibrarySound[], rand: () => number): LibrarySound[] {
  const byCategory = new Map<string, LibrarySound[]>();
  for (const s of sounds) byCategory.set(s.category, [...(byCategory.get(s.category) ?? []), s]);
  const queues = [...byCategory.keys()].sort().map((k) => shuffled(byCategory.get(k)!, rand));
  const out: LibrarySound[] = [];
  for (let round = 0; queues.some((q) => round < q.length); round++) {
    for (const q of queues) if (round < q.length) out.push(q[round]);
  }
  return out;
}

/** A file-system-safe stem that still says where the sound came from. */
function stemOf(sound: LibrarySound): string {
  const base = basename(sound.path, extname(sound.path));
  return `${sound.source || 'lib'}-${base}`.replace(/[^A-Za-z0-9._-]+/g, '_');
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Builds the proxy dataset from a library folder with a manifest.csv; deterministic for a seed. */
export async function buildProxyDataset(libraryDir: string, outDir: string, opts: ProxyOptions = {}): Promise<ProxyResult> {
  const seed = opts.seed ?? 1;
  const wanted = opts.references ?? 120;
  const perReference = opts.queriesPerReference ?? 3;
  if (!(wanted >= 1 && perReference >= 1)) throw new EngineError('invalid-argument', 'a proxy dataset needs at least one reference and one imitation each');
  const library = resolve(libraryDir);
  const root = resolve(outDir);
  const name = proxyDatasetName(basename(library));
  const families = imitatorFamilies(opts.imitators ?? DEFAULT_IMITATORS);
  const rand = splitmix32(seed);
  // Its own stream, so that adding families never changes which references are drawn or how formant sings them.
  const familyRand = splitmix32((seed ^ 0x5bd1e995) >>> 0);
  const candidates = balancedOrder(await readManifest(library), rand);

  const rows: string[] = [];
  const licences: string[] = ['item,library_path,source,license'];
  const madeBy: string[] = ['query,family'];
  const skipped: ProxyResult['skipped'] = [];
  const used = new Set<string>();
  let references = 0;
  for (const sound of candidates) {
    if (references >= wanted) break;
    if (opts.signal?.aborted) throw new EngineError('cancelled', 'building the proxy dataset was cancelled');
    let samples: Float32Array;
    try {
      ({ samples } = await loadMono32k(join(library, sound.path), { maxSeconds: 10, signal: opts.signal }));
    } catch (err) {
      if (err instanceof EngineError && err.kind === 'cancelled') throw err;
      skipped.push({ path: sound.path, reason: EngineError.from(err).message });
      continue;
    }
    let peak = 0;
    for (const x of samples) peak = Math.max(peak, Math.abs(x));
    if (samples.length < 0.15 * MODEL_SAMPLE_RATE || peak < 1e-3) {
      skipped.push({ path: sound.path, reason: 'too short or silent to imitate' });
      continue;
    }
    let stem = stemOf(sound);
    while (used.has(stem)) stem += '_';
    used.add(stem);
    const cls = sound.category;
    const item = `${stem}.wav`;
    await mkdir(join(root, 'Items', cls), { recursive: true });
    await mkdir(join(root, 'Queries', cls), { recursive: true });
    await writeWav(join(root, 'Items', cls, item), { channels: [samples], sampleRate: MODEL_SAMPLE_RATE, bitDepth: 16 });
    const tracks = analyseReference(samples);
    const queries: string[] = [];
    const firstFamily = families.length > 1 ? Math.floor(familyRand() * families.length) : 0;
    for (let k = 1; k <= perReference; k++) {
      const family = families[(firstFamily + k - 1) % families.length];
      const style = family.draw(rand);
      const query = `${stem}-${family.id}-${k}.wav`;
      await writeWav(join(root, 'Queries', cls, query), { channels: [family.synthesise(tracks, style, rand)], sampleRate: IMITATION_SAMPLE_RATE, bitDepth: 16 });
      queries.push(query);
      madeBy.push([query, family.id].map(csvField).join(','));
    }
    // The layout holds three imitations per row; a reference may take several rows.
    for (let i = 0; i < queries.length; i += 3) {
      const q = [...queries.slice(i, i + 3), '', '', ''].slice(0, 3);
      rows.push([sound.path, cls, item, ...q].map(csvField).join(','));
    }
    licences.push([item, sound.path, sound.source, sound.license].map(csvField).join(','));
    references++;
    opts.onProgress?.(references, wanted);
  }
  if (references === 0) throw new EngineError('dataset', `no sound in ${library} could be used as a reference`, { file: library });

  await mkdir(root, { recursive: true });
  const title = `${name} - built by Onomato with seed ${seed} - synthetic - not the QVIM DEV set`;
  await writeFile(join(root, DEV_CSV), [csvField(title), 'Label,Class,Items,Query 1,Query 2,Query 3', ...rows].join('\n') + '\n');
  await writeFile(join(root, 'licenses.csv'), licences.join('\n') + '\n');
  await writeFile(join(root, IMITATORS_CSV), madeBy.join('\n') + '\n');
  await writeFile(
    join(root, DATASET_INFO),
    JSON.stringify({ name, kind: 'qvim-proxy', library, seed, references, queriesPerReference: perReference, imitators: families.map((f) => f.id), skipped }, null, 2) + '\n',
  );
  return { root, name, references, queries: references * perReference, imitators: families.map((f) => f.id), skipped };
}
