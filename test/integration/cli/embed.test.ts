import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeWav } from '../../../src-main/engine/audio/decode.ts';
import { repoRoot, runOnomato, type CliRun } from '../../support/cli.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const root = repoRoot;
const dir = suiteTempDir('onomato-embed-');

function onomato(...args: string[]): Promise<CliRun> {
  return runOnomato([...args, '--data-dir', join(dir, 'data')], { timeoutMs: 240_000 });
}

describe('onomato embed', () => {
  it('prints the model, provider, embedding size, one window per 5 s hop and tags', async () => {
    // 23 s of a rising tone at 48 kHz stereo: 1 + ceil((23 - 10) / 5) = 4 windows.
    const rate = 48000;
    const n = 23 * rate;
    const tone = new Float32Array(n);
    for (let i = 0; i < n; i++) tone[i] = 0.4 * Math.sin(2 * Math.PI * (300 + (i / n) * 900) * (i / rate));
    const file = join(dir, 'rising tone.wav');
    await writeWav(file, { channels: [tone, tone], sampleRate: rate, bitDepth: 24 });

    const json = await onomato('embed', file, '--json');
    expect(json.status, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { model: string; provider: string; embeddingSize: number; windows: { offsetSec: number; embedding: number[] }[]; tags: { label: string; probability: number }[] };
    expect(report.model).toBe('mn04_as');
    expect(report.provider).toBe('cpu');
    expect(report.embeddingSize).toBe(384);
    expect(report.windows.map((w) => w.offsetSec)).toEqual([0, 5, 10, 15]);
    for (const w of report.windows) {
      expect(w.embedding).toHaveLength(384);
      expect(Math.hypot(...w.embedding)).toBeCloseTo(1, 4);
    }
    expect(report.tags.length).toBeGreaterThan(0);

    const text = await onomato('embed', file, '--hop', '10');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/embedding\s+384 values per window/);
    expect(text.stdout).toMatch(/windows\s+3 \(10 s every 10 s/);
  });

  it('names the file and the cause for a file that is not audio', async () => {
    const r = await onomato('embed', join(root, 'package.json'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('package.json');
  });
});
