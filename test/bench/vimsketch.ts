import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onomatoOk, repoRoot } from '../support/cli.ts';
import { startFileServer } from '../support/file-server.ts';
import { buildSoxQvimDev, buildSoxVimSketch } from '../support/imitation-datasets.ts';
import { zipFolder } from '../support/zip-writer.ts';
import type { BenchRow } from './row.ts';

/**
 * "Train on VimSketch", step by step, on a fixture of the real dataset's shape scaled down (60
 * sox-rendered references x 4 imitations in the VimSketch layout; QVIM DEV with 12 references and
 * 30 imitations), through the CLI a user runs: fetch (from a local server: download, unpack with
 * the project's zip reader, layout check), features of every pair, the QVIM DEV benchmark, and 20
 * epochs with their held-out MRR. Per file figures scale to the real 13,085 files.
 */
const REFERENCES = 60;
const PER_REFERENCE = 4;

export async function run(_lib: string): Promise<BenchRow[]> {
  const work = mkdtempSync(join(tmpdir(), 'onomato-bench-vimsketch-'));
  try {
    buildSoxVimSketch(join(work, 'src-vim'), REFERENCES, PER_REFERENCE);
    buildSoxQvimDev(join(work, 'src-dev'), 6);
    const vim = Buffer.from(zipFolder(join(work, 'src-vim')));
    const dev = Buffer.from(zipFolder(join(work, 'src-dev')));
    const server = await startFileServer({ '/vim.zip': { body: vim }, '/dev.zip': { body: dev } });
    const data = join(work, 'data');
    const catalogue = join(work, 'catalogue.json');
    const entry = (body: Buffer, path: string) => ({ url: server.url(path), sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length });
    writeFileSync(catalogue, JSON.stringify({ vimsketch: entry(vim, '/vim.zip'), 'qvim-dev': entry(dev, '/dev.zip') }));
    const env = { ...process.env, ONOMATO_CATALOGUE: catalogue };
    try {
      let t0 = performance.now();
      await onomatoOk(['datasets', 'fetch', 'vimsketch', '--data-dir', data], { env });
      const fetchSec = (performance.now() - t0) / 1000;
      await onomatoOk(['datasets', 'fetch', 'qvim-dev', '--data-dir', data], { env });

      // Each step ends when the CLI reports its last unit: features N/N, benchmark N/N, then the process exits.
      t0 = performance.now();
      const ends: Record<string, number> = {};
      const child = spawn(process.execPath, ['bin/onomato.js', 'train', '--dataset', 'vimsketch', '--epochs', '20', '--data-dir', data], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let pending = '';
      child.stderr.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          const m = /^(features|benchmark) (\d+)\/(\d+)$/.exec(line);
          if (m && m[2] === m[3]) ends[m[1]] = performance.now();
        }
      });
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      if (code !== 0) throw new Error(`onomato train exited ${code}`);
      const done = performance.now();
      const features = (ends.features - t0) / 1000;
      const benchmark = (ends.benchmark - ends.features) / 1000;
      const training = (done - ends.benchmark) / 1000;
      const files = REFERENCES + REFERENCES * PER_REFERENCE;
      return [
        { metric: `fetch VimSketch-shaped zip (${(vim.length / 2 ** 20).toFixed(1)} MiB, ${files} files): download from 127.0.0.1, unpack, layout check`, value: fetchSec, unit: 's' },
        { metric: `features of ${REFERENCES * PER_REFERENCE} pairs (${files} files; includes starting the CLI and opening the model)`, value: features, unit: 's', note: `${((features * 1000) / files).toFixed(0)} ms a file` },
        { metric: 'QVIM DEV benchmark features (12 references, 30 imitations)', value: benchmark, unit: 's' },
        { metric: '20 epochs with held-out MRR, before/after on QVIM DEV, saving', value: training, unit: 's' },
      ];
    } finally {
      await server.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
