import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibraryStore, type AnalysedSound } from '../../src-main/engine/library/store.ts';
import { percentile, type BenchRow } from './row.ts';

/**
 * Text search that ranks (FTS5 bm25 with column weights) on a 100k-sound library whose names,
 * folders, descriptions and tags are drawn from a sound designer's vocabulary, so common words
 * match thousands of sounds and rare ones a handful. Each query is what the app does for typed
 * words: count the matches, rank one page of 50, read those sounds. Baseline: the same words
 * found by a LIKE scan over the same columns (no index, no ranking), measured in the same run.
 */
const SOUNDS = 100_000;
const WORDS = [
  'explosion', 'door', 'slam', 'creak', 'wood', 'metal', 'footsteps', 'gravel', 'wind', 'rain', 'thunder', 'whoosh', 'impact',
  'glass', 'break', 'water', 'splash', 'engine', 'car', 'pass', 'by', 'crowd', 'cheer', 'laser', 'gun', 'shot', 'ricochet',
  'cloth', 'rustle', 'paper', 'tear', 'bird', 'chirp', 'dog', 'bark', 'servo', 'motor', 'beep', 'click', 'switch', 'heavy',
  'light', 'distant', 'close', 'long', 'short', 'low', 'high', 'debris', 'fire', 'crackle', 'ice', 'snow', 'sand', 'dirt',
];
const TAGS = ['Explosion', 'Door', 'Walk, footsteps', 'Wind', 'Rain', 'Vehicle', 'Speech', 'Music', 'Bird', 'Dog', 'Tools', 'Glass'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'onomato-bench-text-'));
  try {
    const store = LibraryStore.open(join(dir, 'library.sqlite'));
    store.putModelVersion({ id: 'm', kind: 'pretrained' });
    const random = rng(7);
    // A long-tailed vocabulary: the listed words are the common head (the first is in about a
    // third of all sounds, as "wav" or a library's own name can be), thousands of others the tail.
    const vocabulary = [...WORDS, ...Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}x`)];
    const word = () => vocabulary[Math.floor(vocabulary.length * random() ** 3)];
    const root = store.addRoot('/sfx').id;
    const built = performance.now();
    store.transaction(() => {
      const files = Array.from({ length: SOUNDS }, (_, i) => ({
        rootId: root, path: `/sfx/${word()}/${word()}s ${i % 97}/${word()}_${word()}_${word()} ${i}.wav`, size: 1000, mtimeMs: i,
      }));
      const ids = store.addPendingSounds(files);
      const vector = new Float32Array(4);
      for (const id of ids) {
        const a: AnalysedSound = {
          soundId: id, modelId: 'm', contentHash: `h${id}`, format: 'wav', sampleRate: 48000, channels: 2, bitDepth: 24, durationSec: 2,
          analysedSec: 2, peaks: new Float32Array(8), description: random() < 0.4 ? `${word()} ${word()} recorded with ${word()} ${word()}` : null,
          metadata: {}, windows: [{ offsetSec: 0, vector }], tags: [{ label: TAGS[Math.floor(random() * TAGS.length)], probability: random() }],
        };
        store.commitAnalysed(a);
      }
    });
    const buildSec = (performance.now() - built) / 1000;
    store.checkpoint();

    const queries = ['door slam', 'wood -metal', '"door slam"', 'dist', 'ricochet glass', 'fire crackle -wind', 'explosion debris distant', 'servo', 'laser gun'];
    const times: number[] = [];
    const naive: number[] = [];
    let matched = 0;
    for (let round = 0; round < 5; round++) {
      for (const text of queries) {
        const started = performance.now();
        const total = store.countMatching({ text });
        const page = store.rankText({ text }, { limit: 50 });
        store.soundsByIds(page.map((p) => p.id));
        times.push(performance.now() - started);
        matched += total;
        if (round === 0) naive.push(likeScan(store, text));
      }
    }
    // The worst case on its own: a word so common that ranking means scoring a third of the library.
    const worst: number[] = [];
    let worstMatched = 0;
    for (let round = 0; round < 5; round++) {
      const started = performance.now();
      worstMatched = store.countMatching({ text: WORDS[0] });
      store.soundsByIds(store.rankText({ text: WORDS[0] }, { limit: 50 }).map((p) => p.id));
      worst.push(performance.now() - started);
    }
    store.close();
    const p50 = percentile(times, 0.5);
    return [
      {
        metric: `text search, ${SOUNDS / 1000}k sounds: count + rank a page of 50 (bm25) + read it, p50`,
        value: p50,
        unit: 'ms',
        baseline: { name: 'LIKE scan, unranked', value: percentile(naive, 0.5) },
        note: `${queries.length} queries x 5 (phrases, exclusions, prefixes); on average ${Math.round(matched / times.length)} sounds matched; library built in ${buildSec.toFixed(0)} s; load average ${os.loadavg()[0].toFixed(1)}`,
      },
      { metric: `text search, ${SOUNDS / 1000}k sounds: p95`, value: percentile(times, 0.95), unit: 'ms' },
      { metric: `text search, ${SOUNDS / 1000}k sounds: slowest`, value: Math.max(...times), unit: 'ms' },
      { metric: `text search, ${SOUNDS / 1000}k sounds: a word in ${Math.round((100 * worstMatched) / SOUNDS)}% of them, p50`, value: percentile(worst, 0.5), unit: 'ms', note: 'bm25 scores every match: cost grows with how many sounds a word is in' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same positive words found without the full-text index: every column LIKE every word. */
function likeScan(store: LibraryStore, text: string): number {
  const words = text.replace(/-\S+/g, '').split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const started = performance.now();
  const where = words.map(() => `(s.name LIKE ? OR s.folder LIKE ? OR coalesce(s.description, '') LIKE ? OR EXISTS (SELECT 1 FROM sound_tags t WHERE t.sound_id = s.id AND t.label LIKE ?))`).join(' AND ');
  const args = words.flatMap((w) => Array(4).fill(`%${w}%`));
  const db = store.rawDatabaseForTests();
  db.prepare(`SELECT count(*) FROM sounds s WHERE ${where}`).pluck().get(...args);
  db.prepare(`SELECT s.id FROM sounds s WHERE ${where} LIMIT 50`).pluck().all(...args);
  return performance.now() - started;
}
