import { existsSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { LibraryReader } from '../../src-main/engine/library/library-reader.ts';
import { planScan } from '../../src-main/engine/library/scan-plan.ts';
import { LibraryStore } from '../../src-main/engine/library/store.ts';
import { LibrarySearch, snapshotPath } from '../../src-main/engine/library/search.ts';
import { decodeHalf } from '../../src-main/engine/library/half-float.ts';
import { SoundIndex, soundBitset } from '../../src-main/engine/search/sound-index.ts';
import { embeddingOf, embeddingSpace, perturbed, randomUnit, recallAt, type EmbeddingSpace } from '../unit/search/synthetic-embeddings.ts';
import { formatCount as label, percentile, type BenchRow } from './row.ts';

/**
 * Libraries of 100k and 1M sounds written THROUGH THE REAL STORE (one 384-d window a sound, 200
 * peaks, three tags, full text, 100 folders of 1 % each), opened the way the app opens them, with
 * today's path (one synchronous load of every vector) measured in the same run. Lag is the
 * engine's thread's event-loop delay (p99 and max) while each step runs.
 *
 * The databases are built once into BENCH_DATA (default /work/data/bench-<size>) and reused:
 * the 1M one takes minutes and several GB.
 */
const DATA = process.env.BENCH_DATA ?? '/work/data';
const DIMENSION = 384;
const FOLDERS = 100;
const MODEL = 'bench-model';

export async function run(): Promise<BenchRow[]> {
  const sizes = (process.env.BENCH_MILLION_SIZES ?? '100000,1000000').split(',').map(Number);
  const rows: BenchRow[] = [];
  for (const size of sizes) rows.push(...await scenario(size));
  return rows;
}

function space(): EmbeddingSpace {
  return embeddingSpace(DIMENSION, { kinds: 500, spread: 0.5, bias: 2, seed: 3 });
}

/** Writes (or reuses) a library of `size` sounds; sound k gets synthetic embedding k. */
export function benchLibrary(size: number): LibraryStore {
  const dir = join(DATA, `bench-${label(size)}`);
  mkdirSync(dir, { recursive: true });
  const store = LibraryStore.open(join(dir, 'library.sqlite'));
  if (store.getSetting<number>('bench_sounds') === size) return store;
  if (store.counts().sounds > 0) throw new Error(`${dir} holds a half-built bench library: delete it and run again`);
  process.stderr.write(`bench: writing a ${label(size)}-sound library into ${dir} (once)...\n`);
  const sp = space();
  store.putModelVersion({ id: MODEL, kind: 'pretrained' });
  store.setActiveModelVersion(MODEL);
  const roots = Array.from({ length: FOLDERS }, (_, f) => store.addRoot(`/bench/folder-${String(f).padStart(3, '0')}`));
  const peaks = Float32Array.from({ length: 200 }, (_, i) => Math.abs(Math.sin(i / 7)));
  const batch = 5000;
  for (let start = 0; start < size; start += batch) {
    const n = Math.min(batch, size - start);
    store.transaction(() => {
      const files = Array.from({ length: n }, (_, i) => {
        const k = start + i;
        const root = roots[k % FOLDERS];
        return { rootId: root.id, path: `${root.path}/DSGNMisc_bench sound ${k}.wav`, size: 1000 + k, mtimeMs: 1 };
      });
      const ids = store.addPendingSounds(files);
      ids.forEach((id, i) => store.commitAnalysed({
        soundId: id, modelId: MODEL, contentHash: `h${start + i}`, format: 'wav', sampleRate: 48000, channels: 2, bitDepth: 24,
        durationSec: 4, analysedSec: 4, peaks, description: 'a designed whoosh for the bench', metadata: {},
        windows: [{ offsetSec: 0, vector: embeddingOf(sp, start + i) }],
        tags: [{ label: 'Whoosh', probability: 0.6 }, { label: 'Wind', probability: 0.3 }, { label: 'Swoosh', probability: 0.2 }],
      }));
    });
    if ((start / batch) % 20 === 0) process.stderr.write(`bench:   ${start + n} sounds\n`);
  }
  store.setSetting('bench_sounds', size);
  store.checkpoint();
  return store;
}

/** Runs `fn` and reports how long it took and how long the event loop was held meanwhile. */
async function measured<T>(fn: () => T | Promise<T>): Promise<{ value: T; ms: number; lagP99: number; lagMax: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  // The histogram's first timer turn only starts the clock: let it pass before the work.
  await new Promise((r) => setTimeout(r, 15));
  const started = performance.now();
  const value = await fn();
  const ms = performance.now() - started;
  // Let the histogram record the last turn.
  await new Promise((r) => setTimeout(r, 20));
  h.disable();
  return { value, ms, lagP99: h.percentile(99) / 1e6, lagMax: h.max / 1e6 };
}

/**
 * Today's (before this change) start-up: every vector read and quantised in one synchronous
 * loop. Its blobs were float32 (copied); these are float16 (decoded), about the same work.
 */
function loadAllAtOnce(store: LibraryStore): SoundIndex {
  const index = new SoundIndex(DIMENSION, { fetchExact: (keys) => store.windowVectors(MODEL, keys) });
  const rows = store.rawDatabaseForTests().prepare('SELECT sound_id, offset_sec, vector FROM sound_embeddings WHERE model_id = ? ORDER BY sound_id, window_index').iterate(MODEL);
  for (const r of rows as Iterable<{ sound_id: number; offset_sec: number; vector: Buffer }>) {
    index.upsert(r.sound_id, [{ offsetSec: r.offset_sec, embedding: decodeHalf(r.vector) }]);
  }
  return index;
}

async function scenario(size: number): Promise<BenchRow[]> {
  const name = `million: ${label(size)} sounds`;
  const store = benchLibrary(size);
  const out: BenchRow[] = [];
  const lagNote = (m: { lagP99: number; lagMax: number }) => `event-loop lag p99 ${m.lagP99.toFixed(0)} ms, max ${m.lagMax.toFixed(0)} ms`;
  try {
    // Bytes a sound, and where they go.
    const bytes = store.databaseBytes();
    const tables = store.rawDatabaseForTests().prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 6').all() as { name: string; bytes: number }[];
    out.push({ metric: `${name}: database bytes a sound`, value: bytes / size, unit: 'B', note: tables.map((t) => `${t.name} ${(t.bytes / size).toFixed(0)}`).join(', ') });

    // What this machine's scheduler alone does to the event loop (other processes share the cores).
    const idle = await measured(() => new Promise((r) => setTimeout(r, 2000)));
    out.push({ metric: `${name}: event-loop lag max while idle (noise floor of this machine)`, value: idle.lagMax, unit: 'ms', note: `p99 ${idle.lagP99.toFixed(0)} ms; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores` });

    global.gc?.();
    // The index itself is dropped at once: three 1M indexes would not fit beside the others' work.
    const old = await measured(() => { loadAllAtOnce(store); });
    const fresh = await measured(() => LibrarySearch.open(store, { snapshot: false }));
    out.push({
      metric: `${name}: open or activate without a snapshot (built from the database)`, value: fresh.ms, unit: 'ms',
      baseline: { name: 'one synchronous load (today)', value: old.ms },
      note: `${lagNote(fresh)}; today ${lagNote(old)}`,
    });
    out.push({ metric: `${name}: event-loop lag max while building`, value: fresh.lagMax, unit: 'ms', baseline: { name: 'today', value: old.lagMax } });
    const saved = await measured(() => fresh.value.saveSnapshot());
    await fresh.value.close();
    const file = snapshotPath(store, MODEL)!;
    out.push({ metric: `${name}: writing the index snapshot`, value: saved.ms, unit: 'ms', note: `${(statSync(file).size / 2 ** 20).toFixed(0)} MB; ${lagNote(saved)}` });
    const reopened = await measured(() => LibrarySearch.open(store));
    if (reopened.value.source !== 'snapshot') throw new Error('the bench snapshot was not used');
    out.push({
      metric: `${name}: open from the snapshot (searchable)`, value: reopened.ms, unit: 'ms',
      baseline: { name: 'one synchronous load (today)', value: old.ms },
      note: `${lagNote(reopened)} (file in the page cache)`,
    });
    out.push({ metric: `${name}: event-loop lag max while opening from the snapshot`, value: reopened.lagMax, unit: 'ms', baseline: { name: 'today', value: old.lagMax } });
    const search = reopened.value;

    // One file changed on disk and re-indexed: the commit, then the index catching up.
    const sp = space();
    const changed = store.sounds({ limit: 1, offset: Math.floor(size / 2) })[0];
    store.commitAnalysed({
      soundId: changed.id, modelId: MODEL, contentHash: 'changed', format: 'wav', sampleRate: 48000, channels: 2, bitDepth: 24,
      durationSec: 4, analysedSec: 4, peaks: new Float32Array(200), description: null, metadata: {},
      windows: [{ offsetSec: 0, vector: randomUnit(DIMENSION, 4242) }], tags: [],
    });
    const caught = await measured(() => search.sync());
    out.push({
      metric: `${name}: reload after one changed file`, value: caught.ms, unit: 'ms',
      baseline: { name: 'reload everything (today)', value: old.ms }, note: `${caught.value} sound re-read; ${lagNote(caught)}`,
    });

    // A scan: files committed one by one, the index following each commit as the app does.
    const scanned = await measured(async () => {
      const followed: Promise<number>[] = [];
      const ids = store.sounds({ limit: 200, offset: Math.floor(size / 3) }).map((x) => x.id);
      for (const [i, id] of ids.entries()) {
        store.commitAnalysed({
          soundId: id, modelId: MODEL, contentHash: `rescanned${i}`, format: 'wav', sampleRate: 48000, channels: 2, bitDepth: 24,
          durationSec: 4, analysedSec: 4, peaks: new Float32Array(200), description: null, metadata: {},
          windows: [{ offsetSec: 0, vector: embeddingOf(sp, 7_000_000 + i) }], tags: [],
        });
        followed.push(search.sync());
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(followed);
    });
    out.push({ metric: `${name}: a scan committing 200 files, the index following each`, value: scanned.ms, unit: 'ms', note: lagNote(scanned) });

    // A rescan of every folder with nothing changed on disk: planned a slice at a time.
    const onDisk = store.roots().map((root) => {
      const files = store.rawDatabaseForTests().prepare('SELECT path, size, mtime_ms AS mtimeMs FROM sounds WHERE root_id = ?').all(root.id) as { path: string; size: number; mtimeMs: number }[];
      return { rootId: root.id, path: root.path, scan: { files, skipped: 0, unreadable: [] } };
    });
    const planned = await measured(() => planScan(store, onDisk, MODEL));
    if (planned.value.unchanged !== size) throw new Error(`the bench rescan found ${planned.value.unchanged} of ${size} sounds unchanged`);
    const plannedBefore = await measured(() => {
      // Today's planning: each folder's sounds in one query, compared in one loop.
      for (const root of onDisk) {
        const known = new Map((store.rawDatabaseForTests().prepare('SELECT id, path, size, mtime_ms, content_hash, status, model_id FROM sounds WHERE root_id = ?').all(root.rootId) as { path: string }[]).map((e) => [e.path, e]));
        for (const f of root.scan.files) known.delete(f.path);
      }
    });
    out.push({
      metric: `${name}: event-loop lag max while planning a rescan with nothing changed`, value: planned.lagMax, unit: 'ms',
      baseline: { name: 'each folder in one query (today)', value: plannedBefore.lagMax }, note: `took ${planned.ms.toFixed(0)} ms (today ${plannedBefore.ms.toFixed(0)} ms)`,
    });

    // What the Library screen asks after each change: counts and folder summaries, on the reader's thread.
    const reader = new LibraryReader(store);
    await reader.read('counts');
    const summed = await measured(() => Promise.all([reader.read('counts'), reader.read('rootSummaries'), reader.read('folderCounts')]));
    const summedBefore = await measured(() => [store.counts(), store.rootSummaries(), store.folderCounts()]);
    await reader.close();
    out.push({
      metric: `${name}: event-loop lag max while counting sounds and folders (library.stats, library.folders)`, value: summed.lagMax, unit: 'ms',
      baseline: { name: 'on the engine\'s thread (today)', value: summedBefore.lagMax }, note: `answered in ${summed.ms.toFixed(0)} ms (today ${summedBefore.ms.toFixed(0)} ms)`,
    });

    // Search: the same int8 kernel as today, split over two threads, exact rescoring from the store.
    const queries = Array.from({ length: 40 }, (_, q) => q % 5 === 4 ? randomUnit(DIMENSION, 50_000 + q) : perturbed(embeddingOf(sp, (q * 7_919_993) % size), 0.6, 90_000 + q));
    for (const q of queries.slice(0, 8)) { await search.search(q, { top: 10 }); search.index.search(q, { top: 10 }); }
    await new Promise((r) => setTimeout(r, 1500)); // the helper thread starts with the first large search
    const timed = async (fn: (q: Float32Array) => unknown) => {
      const times: number[] = [];
      const m = await measured(async () => {
        const found = [];
        for (const q of queries) {
          const t = performance.now();
          found.push(await fn(q));
          times.push(performance.now() - t);
          await new Promise((r) => setImmediate(r));
        }
        return found;
      });
      return { ...m, p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
    };
    const today = await timed((q) => search.index.search(q, { top: 10 }));
    const both = await timed((q) => search.search(q, { top: 10 }));
    let recall = 0;
    const exactQueries = size > 200_000 ? 2 : 8;
    for (let q = 0; q < exactQueries; q++) {
      const exact = await LibrarySearch.searchDatabase(store, MODEL, [queries[q]], { top: 10 });
      recall += recallAt(exact.map((m) => ({ soundId: m.sound.id })), (both.value[q] as { sound: { id: number } }[]).map((m) => ({ soundId: m.sound.id })));
    }
    out.push({
      metric: `${name}: search p50 (two threads, with sound rows)`, value: both.p50, unit: 'ms',
      baseline: { name: 'the engine\'s thread alone, index only', value: today.p50 },
      note: `p95 ${both.p95.toFixed(1)} ms vs ${today.p95.toFixed(1)} ms; ${lagNote(both)}; today ${lagNote(today)}`,
    });
    out.push({ metric: `${name}: event-loop lag max while searching (two helper threads)`, value: both.lagMax, unit: 'ms', baseline: { name: 'the engine\'s thread alone', value: today.lagMax } });
    out.push({ metric: `${name}: search recall@10 vs brute force over the database`, value: recall / exactQueries, unit: 'fraction', note: `${exactQueries} queries` });

    // A narrow filter: one folder of 1 %.
    const folder = { folders: ['/bench/folder-042'] };
    const narrowTimes: number[] = [];
    const bitsetTimes: number[] = [];
    for (const q of queries.slice(0, 20)) {
      let t = performance.now();
      await search.search(q, { top: 10, filter: folder });
      narrowTimes.push(performance.now() - t);
      t = performance.now();
      // Today: the same filter as a bitset over the whole library (every row scanned).
      search.index.search(q, { top: 10, allow: soundBitset(store.soundIdsMatching(folder)) });
      bitsetTimes.push(performance.now() - t);
    }
    out.push({
      metric: `${name}: search p50 within one folder (1 %)`, value: percentile(narrowTimes, 0.5), unit: 'ms',
      baseline: { name: 'bitset over the whole library (today)', value: percentile(bitsetTimes, 0.5) },
      note: 'both include planning the filter in SQLite (with the folder-index range)',
    });
    await search.close();
  } finally {
    store.close();
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!existsSync(DATA)) mkdirSync(DATA, { recursive: true });
  for (const row of await run()) console.log(JSON.stringify(row));
}
