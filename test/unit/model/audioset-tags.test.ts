import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { audiosetLabels, topTags, topTagsOfWindows } from '../../../src-main/engine/model/audioset-tags.ts';

describe('AudioSet tags', () => {
  it('reads the 527 class names in logit order, including names with commas', () => {
    const labels = audiosetLabels();
    expect(labels).toHaveLength(527);
    expect(labels[0]).toBe('Speech');
    expect(labels[1]).toBe('Male speech, man speaking');
    const csv = readFileSync(new URL('../../../models/audioset-labels.csv', import.meta.url), 'utf8').trim().split('\n');
    expect(csv.at(-1)).toBe(`526,/m/07hvw1,"${labels[526]}"`);
  });

  it('ranks classes by sigmoid probability and keeps the top k above the floor', () => {
    const logits = new Float32Array(527).fill(-10);
    logits[74] = 3; // 0.953
    logits[0] = 0; // 0.5
    logits[300] = 1; // 0.731
    logits[1] = -2.5; // 0.076, under the default floor
    const tags = topTags(logits);
    expect(tags.map((t) => t.label)).toEqual([audiosetLabels()[74], 'Vehicle', 'Speech']);
    expect(tags[0].probability).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    expect(topTags(logits, 2).map((t) => t.label)).toEqual([audiosetLabels()[74], 'Vehicle']);
    expect(topTags(logits, 5, 0.05).map((t) => t.label)).toContain('Male speech, man speaking');
    expect(topTags(new Float32Array(527).fill(-10))).toEqual([]);
  });

  it('never offers Silence (zero-padding makes it fire on short sounds)', () => {
    const logits = new Float32Array(527).fill(-10);
    const silence = audiosetLabels().indexOf('Silence');
    logits[silence] = 5;
    logits[0] = 2;
    expect(topTags(logits).map((t) => t.label)).toEqual(['Speech']);
  });

  it('pools windows by their strongest evidence for each class', () => {
    const a = new Float32Array(527).fill(-10);
    const b = new Float32Array(527).fill(-10);
    a[0] = 3;
    b[300] = 4;
    expect(topTagsOfWindows([a, b]).map((t) => t.label)).toEqual(['Vehicle', 'Speech']);
    expect(topTagsOfWindows([])).toEqual([]);
  });
});
