import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildSoxQvimDev, buildSoxVimSketch } from '../../support/imitation-datasets.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/**
 * `onomato train --dataset vimsketch` on a fetched dataset folder, the way a user runs it after
 * `onomato datasets fetch vimsketch qvim-dev`: pairs from VimSketch (held out by reference), measured
 * before and after on QVIM DEV, kept as a version and activated only if it measured better.
 */
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const tmp = suiteTempDir('onomato-train-dataset-');
const dataDir = join(tmp, 'data');

function onomato(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['bin/onomato.js', ...args, '--data-dir', dataDir], { cwd: repo, maxBuffer: 32 * 2 ** 20 });
}

describe('training on the fetched VimSketch', () => {
  it('says how to get VimSketch when it is not in the data folder', async () => {
    const error = await onomato(['train', '--dataset', 'vimsketch']).catch((e: { code: number; stderr: string }) => e);
    expect((error as { code: number }).code).toBe(1);
    expect((error as { stderr: string }).stderr).toMatch(/VimSketch is not in the data folder; get it with: onomato datasets fetch vimsketch/);
  });

  it('trains on its pairs, measures on QVIM DEV, keeps the run and activates it only if it measured better', async () => {
    // The layouts exactly as the two archives unpack (VimSketch inside its top folder).
    buildSoxVimSketch(join(dataDir, 'datasets', 'vimsketch', 'Vim_Sketch_Dataset'), 12, 3);
    buildSoxQvimDev(join(dataDir, 'datasets', 'qvim-dev'), 3);
    const { stdout, stderr } = await onomato(['train', '--dataset', 'vimsketch', '--epochs', '3', '--id', 'vimsketch-run', '--activate', '--json']);
    expect(stderr).toContain(`measuring before and after on QVIM DEV (${join(dataDir, 'datasets', 'qvim-dev')})`);
    expect(stderr).toMatch(/training vimsketch-run: 36 pairs, 12 reference sounds/);
    const result = JSON.parse(stdout) as { id: string; accepted: boolean; status: string; metrics: { heldOut: { scheme: string; pairs: number }; general?: { name: string; before: number; after: number } } };
    expect(result.metrics.general?.name).toBe('QVIM DEV');
    expect(result.metrics.heldOut.pairs).toBeGreaterThan(0);
    const versions = JSON.parse((await onomato(['models', 'list', '--json'])).stdout) as Array<{ id: string; active: boolean; status: string }>;
    const kept = versions.find((v) => v.id === 'vimsketch-run')!;
    expect(kept.status).toBe(result.status);
    expect(kept.active).toBe(result.accepted);
    if (!result.accepted) expect(stderr).toMatch(/vimsketch-run is kept but not activated: it did not measure better/);
    else expect(stderr).toMatch(/vimsketch-run is the library's model now/);
  }, 300_000);
});
