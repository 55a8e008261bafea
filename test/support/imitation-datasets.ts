import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildDevLayout, buildVimSketchLayout, type DevRow } from '../unit/evaluation/dataset-fixtures.ts';

/**
 * Small datasets in the exact VimSketch and QVIM DEV layouts, with real audio rendered by sox:
 * references are plucked strings, noise bursts and swept tones, imitations are a voice-like buzz
 * (sawtooth through a formant band) following the reference's pitch. What the download, unpack and
 * training tests need of "the same shape as the real thing", a few hundred kilobytes in size.
 */
const KINDS = ['000Animal_Domestic animals_pets_Dog_Bark', '001Natural sounds_Wind', '002Sounds of things_Vehicle_Car_Horn', '003Music_Musical instrument_Plucked string'];

function soxReference(path: string, freq: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const kind = Math.round(freq / 50) % 3;
  const synth = kind === 0 ? ['synth', '0.7', 'pluck', String(freq)] : kind === 1 ? ['synth', '0.7', 'pinknoise', 'band', String(freq * 2), '300'] : ['synth', '0.7', 'sine', `${freq}-${freq * 3}`];
  execFileSync('sox', ['-n', '-r', '32000', '-b', '16', '-c', '1', path, ...synth, 'fade', '0.01', '0.7', '0.1', 'gain', '-6'], { stdio: 'ignore' });
}

function soxImitation(path: string, freq: number): void {
  mkdirSync(dirname(path), { recursive: true });
  execFileSync('sox', ['-n', '-r', '16000', '-b', '16', '-c', '1', path, 'synth', '0.8', 'sawtooth', String(Math.max(80, freq / 2)), 'sinc', '300-3400', 'tremolo', '5', '30', 'fade', '0.05', '0.8', '0.1', 'gain', '-8'], { stdio: 'ignore' });
}

/** VimSketch: `references` sounds, `perReference` imitations of each (named as the dataset names them). */
export function buildSoxVimSketch(root: string, references = 6, perReference = 2): { references: string[]; imitations: string[] } {
  const refs = Array.from({ length: references }, (_, i) => `${String(i + 1).padStart(3, '0')}_${KINDS[i % KINDS.length]}_${i}.wav`);
  const imitations = refs.flatMap((r, i) => Array.from({ length: perReference }, (_, k) => `${String(i * perReference + k + 1).padStart(5, '0')}_${r.split('_').slice(1).join('_')}`));
  buildVimSketchLayout(root, refs, imitations, {
    audio: (path, freq) => (path.includes('vocal_imitations') ? soxImitation(path, freq) : soxReference(path, freq)),
  });
  return { references: refs, imitations };
}

/** QVIM DEV: `classes` classes of two references, each with up to three imitations. */
export function buildSoxQvimDev(root: string, classes = 3): DevRow[] {
  const rows: DevRow[] = [];
  for (let c = 0; c < classes; c++) {
    for (let k = 0; k < 2; k++) {
      const item = `class${c}-item${k}.wav`;
      rows.push({ label: `Label ${c}`, cls: `Class ${c}`, item, queries: [1, 2, 3].slice(0, 2 + (k % 2)).map((q) => `class${c}-item${k}-q${q}.wav`) });
    }
  }
  buildDevLayout(root, rows, { audio: (path, freq) => (path.includes('/Queries/') ? soxImitation(path, freq) : soxReference(path, freq)) });
  return rows;
}
