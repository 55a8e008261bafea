import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEV_CSV } from '../../../src-main/engine/evaluation/qvim-dev-layout.ts';

/**
 * Builds tiny datasets in each layout, exactly as the challenge ships them, with short
 * synthetic tones as audio. The WAV writer is local because the engine's writer is not here yet.
 */
export function writeTone(path: string, freq: number, seconds = 0.25, sampleRate = 16000): void {
  const n = Math.round(seconds * sampleRate);
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * freq * i) / sampleRate)), 44 + i * 2);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, buf);
}

export interface DevRow {
  label: string;
  cls: string;
  item: string;
  queries: string[];
}

/** Writes the sound for a fixture file; by default a short tone whose pitch tells files apart. */
export type AudioWriter = (path: string, freq: number) => void;

/** `DEV Dataset.csv` with its title row, plus Items/<Class>/ and Queries/<Class>/ audio. */
export function buildDevLayout(root: string, rows: DevRow[], opts: { skipAudio?: string[]; audio?: AudioWriter } = {}): void {
  const audio = opts.audio ?? ((path, freq) => writeTone(path, freq));
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['AES AIMLA Challenge 2025 - DEV set,,,,,,', 'Label,Class,Items,Query 1,Query 2,Query 3,Notes'];
  let f = 200;
  for (const r of rows) {
    const q = [...r.queries, '', '', ''].slice(0, 3);
    lines.push([r.label, r.cls, r.item, ...q, ''].map(quote).join(','));
    const skip = new Set(opts.skipAudio ?? []);
    if (r.item && r.cls && !skip.has(r.item)) audio(join(root, 'Items', r.cls, r.item), (f += 40));
    for (const query of r.queries) if (query && r.cls && !skip.has(query)) audio(join(root, 'Queries', r.cls, query), f + 5);
  }
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, DEV_CSV), lines.join('\r\n') + '\r\n');
}

/** VimSketch: two tab-separated name lists without header, references/ and vocal_imitations/. */
export function buildVimSketchLayout(root: string, references: string[], imitations: string[], opts: { skipAudio?: string[]; audio?: AudioWriter } = {}): void {
  const skip = new Set(opts.skipAudio ?? []);
  const audio = opts.audio ?? ((path, freq) => writeTone(path, freq));
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'reference_file_names.csv'), references.join('\n') + '\n');
  writeFileSync(join(root, 'vocal_imitation_file_names.csv'), imitations.join('\n') + '\n');
  references.forEach((r, i) => skip.has(r) || audio(join(root, 'references', r), 300 + 50 * i));
  imitations.forEach((m, i) => skip.has(m) || audio(join(root, 'vocal_imitations', m), 320 + 50 * i));
}

/** The plain layout: one CSV (imitation, reference, class in `columns` order) with paths relative to the folder. */
export function buildCsvLayout(
  root: string,
  columns: [string, string, string],
  rows: { imitation: string; reference: string; class: string }[],
  opts: { skipAudio?: string[] } = {},
): void {
  const skip = new Set(opts.skipAudio ?? []);
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const keyOf = (c: string): 'imitation' | 'reference' | 'class' => (/imitation|query/i.test(c) ? 'imitation' : /reference|item/i.test(c) ? 'reference' : 'class');
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[keyOf(c)])).join(','))];
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'pairs.csv'), lines.join('\n') + '\n');
  let f = 250;
  for (const r of rows) {
    for (const p of [r.imitation, r.reference]) if (p && !skip.has(p)) writeTone(join(root, p), (f += 30));
  }
}
