import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { fetchDataset, listDatasets } from '../../../src-main/engine/evaluation/dataset-fetch.ts';
import { loadDataset } from '../../../src-main/engine/evaluation/datasets.ts';
import { startFileServer, type FileServer } from '../../support/file-server.ts';
import { buildSoxQvimDev, buildSoxVimSketch } from '../../support/imitation-datasets.ts';
import { writeZip, zipFolder } from '../../support/zip-writer.ts';
import { onomatoOk, type CliRun } from '../../support/cli.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';


const tmp = suiteTempDir('onomato-fetch-');
let server: FileServer;
let vimsketchZip: Buffer;
let devZip: Buffer;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Points the catalogue at the local server, as a user would point it at a mirror. */
function catalogue(overrides: Record<string, { url: string; sha256?: string; bytes?: number }>): Record<string, string> {
  const file = join(tmp, `catalogue-${Object.keys(overrides).join('-')}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(overrides));
  process.env.ONOMATO_CATALOGUE = file;
  return { ...process.env, ONOMATO_CATALOGUE: file } as Record<string, string>;
}

function onomato(args: string[], env: Record<string, string>): Promise<CliRun> {
  return onomatoOk(args, { env });
}

beforeAll(async () => {
  const vs = join(tmp, 'src-vimsketch');
  buildSoxVimSketch(vs, 6, 2);
  // VimSketch's archive holds its top folder; the QVIM DEV archive is unpacked into qvim-dev/ by the baseline, so it has none.
  vimsketchZip = Buffer.from(zipFolder(vs, 'Vim_Sketch_Dataset/'));
  const dev = join(tmp, 'src-dev');
  buildSoxQvimDev(dev, 3);
  devZip = Buffer.from(zipFolder(dev));
  server = await startFileServer({
    '/zenodo/Vim_Sketch_Dataset.zip': { body: vimsketchZip },
    '/jku/qvim-dev.zip': { body: devZip },
  });
}, 60_000);

afterAll(async () => {
  delete process.env.ONOMATO_CATALOGUE;
  await server.close();
});

describe('fetching the imitation datasets', () => {
  it('onomato datasets fetch shows licence and source first, then downloads, unpacks and lists both datasets', async () => {
    const dataDir = join(tmp, 'data-cli');
    const env = catalogue({
      vimsketch: { url: server.url('/zenodo/Vim_Sketch_Dataset.zip'), sha256: sha(vimsketchZip), bytes: vimsketchZip.length },
      'qvim-dev': { url: server.url('/jku/qvim-dev.zip'), sha256: sha(devZip) },
    });
    const before = await onomato(['datasets', 'list', '--data-dir', dataDir], env);
    expect(before.stdout).toMatch(/vimsketch\s+not fetched/);

    const vs = await onomato(['datasets', 'fetch', 'vimsketch', '--data-dir', dataDir], env);
    const lines = vs.stdout.split('\n');
    expect(lines[0]).toMatch(/^VimSketch: 542 reference sounds and 12,543 vocal imitations/);
    expect(vs.stdout).toMatch(/Source: VimSketch .*Zenodo record 2596911/);
    expect(vs.stdout).toMatch(/Licence: /);
    expect(vs.stdout).toContain(`Download: ${server.url('/zenodo/Vim_Sketch_Dataset.zip')}`);
    expect(vs.stdout).toMatch(/vimsketch\s+present: 6 references, 12 imitations/);
    const dev = await onomato(['datasets', 'fetch', 'qvim-dev', '--data-dir', dataDir], env);
    expect(dev.stdout).toMatch(/qvim-dev\s+present: 6 references, 15 imitations/);

    const list = JSON.parse((await onomato(['datasets', 'list', '--json', '--data-dir', dataDir], env)).stdout) as Array<{ id: string; state: string; items: number; queries: number; problems: number; root: string }>;
    expect(list.map((d) => [d.id, d.state, d.items, d.queries, d.problems])).toEqual([['vimsketch', 'present', 6, 12, 0], ['qvim-dev', 'present', 6, 15, 0]]);
    // The loaders read what was fetched: the real audio decodes and pairs up.
    const loaded = await loadDataset(list[0].root);
    expect(loaded.layout).toBe('vimsketch');
    expect(loaded.root).toBe(join(dataDir, 'datasets', 'vimsketch', 'Vim_Sketch_Dataset'));
    expect(readdirSync(join(dataDir, 'datasets')).sort()).toEqual(['qvim-dev', 'vimsketch']); // archives gone once unpacked
  }, 120_000);

  it('resumes a connection dropped mid-file and refuses a file with one corrupted byte', async () => {
    const datasets = join(tmp, 'data-drop', 'datasets');
    server.files.set('/drop/qvim-dev.zip', { body: devZip, dropAfter: Math.floor(devZip.length / 2), dropTimes: 1 });
    catalogue({ 'qvim-dev': { url: server.url('/drop/qvim-dev.zip'), sha256: sha(devZip), bytes: devZip.length } });
    server.requests.length = 0;
    const phases = new Set<string>();
    const status = await fetchDataset(datasets, 'qvim-dev', { onProgress: (phase) => phases.add(phase) });
    expect(status.state).toBe('present');
    expect(status.queries).toBe(15);
    expect([...phases]).toEqual(['download', 'unpack', 'check']);
    const asked = server.requests.filter((r) => r.path === '/drop/qvim-dev.zip');
    expect(asked.map((r) => r.status)).toEqual([200, 206]);
    expect(asked[1].sent).toBeGreaterThanOrEqual(devZip.length - Math.floor(devZip.length / 2));

    const corrupted = Buffer.from(vimsketchZip);
    corrupted[Math.floor(corrupted.length / 3)] ^= 0x10;
    server.files.set('/bad/Vim_Sketch_Dataset.zip', { body: corrupted });
    catalogue({ vimsketch: { url: server.url('/bad/Vim_Sketch_Dataset.zip'), sha256: sha(vimsketchZip), bytes: vimsketchZip.length } });
    const error = (await fetchDataset(datasets, 'vimsketch').catch((e: unknown) => e)) as EngineError;
    expect(error).toBeInstanceOf(EngineError);
    expect(error.message).toMatch(/Vim_Sketch_Dataset\.zip: the download of .* does not match its published sha256/);
    expect(readdirSync(datasets).sort()).toEqual(['qvim-dev']); // nothing of the refused file, nothing that looks like VimSketch
    expect((await listDatasets(datasets)).find((d) => d.id === 'vimsketch')!.state).toBe('absent');
  }, 60_000);

  it('refuses archives that climb out of their folder or do not hold the dataset, leaving nothing that looks present', async () => {
    const datasets = join(tmp, 'data-bad', 'datasets');
    mkdirSync(datasets, { recursive: true });
    const climbing = Buffer.from(writeZip([{ name: 'DEV Dataset.csv', data: new TextEncoder().encode('t\n') }, { name: '../../escape.wav', data: new Uint8Array(10) }]));
    server.files.set('/climb.zip', { body: climbing });
    catalogue({ 'qvim-dev': { url: server.url('/climb.zip') } });
    await expect(fetchDataset(datasets, 'qvim-dev')).rejects.toThrow(/"\.\.\/\.\.\/escape\.wav" climbs out of the folder/);
    expect(existsSync(join(tmp, 'escape.wav'))).toBe(false);
    expect(readdirSync(datasets)).toEqual([]);

    const notDataset = Buffer.from(writeZip([{ name: 'readme.txt', data: new TextEncoder().encode('hello'), deflate: true }]));
    server.files.set('/other.zip', { body: notDataset });
    catalogue({ vimsketch: { url: server.url('/other.zip') } });
    await expect(fetchDataset(datasets, 'vimsketch')).rejects.toThrow(/does not hold the VimSketch layout .*it was deleted/);
    expect(readdirSync(datasets)).toEqual([]);
    expect((await listDatasets(datasets)).map((d) => d.state)).toEqual(['absent', 'absent']);
  });
});
