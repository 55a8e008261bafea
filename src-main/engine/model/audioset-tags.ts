import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../errors.ts';
import { appRoot } from '../app-root.ts';
import { parseCsv } from '../csv.ts';

/**
 * Automatic tags from the backbone's 527 AudioSet logits. The class names (AudioSet ontology
 * metadata, in logit order) live in models/audioset-labels.csv: `index,mid,display_name`.
 */

let labels: string[] | undefined;

export function audiosetLabels(): string[] {
  if (labels) return labels;
  const file = join(appRoot, 'models', 'audioset-labels.csv');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw EngineError.from(cause, file);
  }
  const parsed: string[] = [];
  for (const { fields } of parseCsv(text).slice(1)) {
    const [index, , name] = fields;
    parsed[Number(index)] = name;
  }
  if (parsed.length !== 527 || parsed.some((n) => n === undefined)) {
    throw new EngineError('corrupt', `expected 527 AudioSet class names, found ${parsed.filter(Boolean).length}`, { file });
  }
  labels = parsed;
  return labels;
}

/**
 * Classes never offered as tags: every sound shorter than 10 s is zero-padded to a full window,
 * so "Silence" fires on most of a library and tells a sound designer nothing.
 */
const NOT_TAGS: ReadonlySet<string> = new Set(['Silence']);

/** The k most probable classes (sigmoid of the logits: AudioSet is multi-label), above a floor. */
export function topTags(logits: Float32Array, k = 5, minProbability = 0.1): Array<{ label: string; probability: number }> {
  const names = audiosetLabels();
  const tags: Array<{ label: string; probability: number }> = [];
  for (let i = 0; i < logits.length && i < names.length; i++) {
    if (NOT_TAGS.has(names[i])) continue;
    const probability = 1 / (1 + Math.exp(-logits[i]));
    if (probability >= minProbability) tags.push({ label: names[i], probability });
  }
  return tags.sort((a, b) => b.probability - a.probability).slice(0, k);
}

/** Tags of a whole sound from its windows' logits: a class holds when it holds somewhere in the sound. */
export function topTagsOfWindows(logitsPerWindow: readonly Float32Array[], k = 5, minProbability = 0.1): Array<{ label: string; probability: number }> {
  if (logitsPerWindow.length === 0) return [];
  const pooled = new Float32Array(logitsPerWindow[0].length).fill(-Infinity);
  for (const row of logitsPerWindow) for (let i = 0; i < row.length; i++) if (row[i] > pooled[i]) pooled[i] = row[i];
  return topTags(pooled, k, minProbability);
}
