import { existsSync } from 'node:fs';
import type { BenchRow } from './row.ts';
import { smallSfxLibrary } from '../support/sfx.ts';
import { testEnvironment } from '../support/workplace.ts';

/**
 * `npm run bench [-- section ...]`: every speed and memory target of the product, measured on
 * this machine against a baseline measured in the same run. Sections: audio, features, model,
 * library, search, text, training, vimsketch, million, quality (default: all that exist).
 */
const ALL = ['audio', 'features', 'model', 'search', 'text', 'library', 'training', 'vimsketch', 'million', 'quality'] as const;
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const sections = (wanted.length ? wanted : ALL).filter((s) => existsSync(new URL(`./${s}.ts`, import.meta.url)));

Object.assign(process.env, testEnvironment());
const lib = await smallSfxLibrary();
const rows: Array<BenchRow & { section: string }> = [];
for (const section of sections) {
  process.stderr.write(`bench: ${section}...\n`);
  const started = performance.now();
  const mod = (await import(`./${section}.ts`)) as { run(lib: string): Promise<BenchRow[]> };
  for (const row of await mod.run(lib)) rows.push({ section, ...row });
  process.stderr.write(`bench: ${section} took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));
const table = rows.map((r) => [
  r.section,
  r.metric,
  `${fmt(r.value)} ${r.unit}`,
  r.baseline ? `${fmt(r.baseline.value)} ${r.unit} (${r.baseline.name})` : '',
  r.baseline && r.baseline.value !== 0 ? `${fmt(r.value / r.baseline.value)}` : '',
  r.note ?? '',
]);
const header = ['section', 'metric', 'value', 'baseline (same run)', 'value/baseline', 'note'];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const row of table) console.log(line(row));
