import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../src-main/contract/schema.ts';
import { openEngine, type Engine } from '../../../src-main/engine/engine.ts';
import { jobEnded } from '../../support/jobs.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { startFileServer, type FileServer } from '../../support/file-server.ts';
import { buildSoxQvimDev } from '../../support/imitation-datasets.ts';
import { zipFolder } from '../../support/zip-writer.ts';
import { MODEL_FIXTURES } from '../../unit/model/fixture-files.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/**
 * Settings -> Model's backbone list, "Use a checkpoint file…", and fetching a dataset as a job,
 * through the engine's contract handlers (the same table the Electron shell and the web server serve).
 */
const dir = suiteTempDir('onomato-app-catalogue-');
let engine: Engine;
let server: FileServer;
let devZip: Buffer;
const jobs: Job[] = [];


beforeAll(async () => {
  const dev = join(dir, 'src-dev');
  buildSoxQvimDev(dev, 3);
  devZip = Buffer.from(zipFolder(dev));
  server = await startFileServer({ '/jku/qvim-dev.zip': { body: devZip, dropAfter: Math.floor(devZip.length / 2), dropTimes: 1 } });
  const overrides = join(dir, 'catalogue.json');
  writeFileSync(overrides, JSON.stringify({ 'qvim-dev': { url: server.url('/jku/qvim-dev.zip'), sha256: createHash('sha256').update(devZip).digest('hex'), bytes: devZip.length } }));
  process.env.ONOMATO_CATALOGUE = overrides;
  engine = await openEngine({ dataDir: join(dir, 'data'), mode: 'web' });
  engine.events.onAny((name, payload) => { if (name === 'job.progress') jobs.push(payload as Job); });
}, 60_000);

afterAll(async () => {
  delete process.env.ONOMATO_CATALOGUE;
  await engine?.close();
  await server?.close();
});

describe('backbones in the app', () => {
  it('lists the catalogue with size, embedding size, licence and source, then a checkpoint file the user adds', async () => {
    const before = await engine.handlers['backbones.list']({});
    expect(before.map((b) => [b.id, b.embeddingSize, b.twoTowers, b.origin])).toEqual([
      ['mn04_as', 384, false, 'catalogue'], ['mn10_as', 960, false, 'catalogue'], ['qvim_baseline', 960, true, 'catalogue'],
    ]);
    expect(before[0]).toMatchObject({ bytes: 4_066_513, licence: 'MIT', unverified: null });
    expect(before[2].unverified).toMatch(/no size or sha256 is published/);

    const added = await engine.handlers['backbones.add']({ path: join(MODEL_FIXTURES, 'qvim-two-tower-w01.bin') });
    expect(added).toMatchObject({ id: 'qvim-two-tower-w01', origin: 'file', embeddingSize: 96, twoTowers: true, present: true, inUse: false });
    expect((await engine.handlers['backbones.list']({})).map((b) => b.id)).toContain('qvim-two-tower-w01');
  });

  it('refuses a pipe, a folder and an unknown architecture with a sentence, adding nothing', async () => {
    const fifo = join(dir, 'pipe.ckpt');
    execFileSync('mkfifo', [fifo]);
    const notModel = join(dir, 'weights.ckpt');
    writeFileSync(notModel, Buffer.alloc(4096, 7));
    for (const [path, message] of [[fifo, /is a named pipe \(FIFO\), not a regular file/], [dir, /is a folder, not a regular file/], [notModel, /cannot be used as a backbone \(not a ZIP archive\); the current model is unchanged/]] as const) {
      const error = await engine.handlers['backbones.add']({ path }).catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(EngineError);
      expect((error as EngineError).message).toMatch(message);
    }
    expect((await engine.handlers['backbones.list']({})).length).toBe(4);
  });
});

describe('datasets in the app', () => {
  it('shows the notice before a fetch, fetches as a job with progress that resumes a dropped connection, and lists the result', async () => {
    const [vimsketch, dev] = await engine.handlers['datasets.list']({});
    expect(vimsketch).toMatchObject({ id: 'vimsketch', state: 'absent' });
    expect(vimsketch.notice).toMatch(/^VimSketch: 542 reference sounds .*\nSource: .*Zenodo record 2596911\.\nLicence: /s);
    expect(dev.notice).toContain(`Download: ${server.url('/jku/qvim-dev.zip')}`);

    const job = await engine.handlers['datasets.fetch']({ id: 'qvim-dev' });
    expect(job.kind).toBe('download');
    const end = await jobEnded(engine, job);
    expect(end.state, end.message ?? '').toBe('done');
    const messages = new Set(jobs.filter((j) => j.id === job.id).map((j) => j.message));
    expect(messages).toContain('Downloading QVIM DEV');
    expect(messages).toContain('Unpacking QVIM DEV');
    expect(server.requests.map((r) => r.status)).toEqual([200, 206]);
    const listed = (await engine.handlers['datasets.list']({})).find((d) => d.id === 'qvim-dev')!;
    expect(listed).toMatchObject({ state: 'present', items: 6, queries: 15, problems: 0 });
    expect(existsSync(join(listed.root!, 'DEV Dataset.csv'))).toBe(true);
  });

  it('a cancelled fetch leaves a partial download to resume from, never something that looks like the dataset', async () => {
    server.files.set('/slow/Vim_Sketch_Dataset.zip', { body: devZip, chunkDelayMs: 50 });
    writeFileSync(process.env.ONOMATO_CATALOGUE!, JSON.stringify({ vimsketch: { url: server.url('/slow/Vim_Sketch_Dataset.zip') } }));
    const job = await engine.handlers['datasets.fetch']({ id: 'vimsketch' });
    for (let i = 0; i < 200 && !jobs.some((j) => j.id === job.id && j.done > 20_000); i++) await new Promise((r) => setTimeout(r, 20));
    await engine.handlers['jobs.control']({ jobId: job.id, action: 'cancel' });
    expect((await jobEnded(engine, job)).state).toBe('cancelled');
    const state = (await engine.handlers['datasets.list']({})).find((d) => d.id === 'vimsketch')!;
    expect(state.state).toBe('partial-download');
    expect(state.downloadedBytes).toBeGreaterThan(0);
    expect(existsSync(state.folder)).toBe(false);
  });
});
