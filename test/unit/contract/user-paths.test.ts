/**
 * Contract methods that open a path the user typed: a device, a pipe, a folder or a huge file
 * must be refused by what it is, at once, without reading it whole or holding a pool thread.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../../src-main/engine/engine.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { loadDataset } from '../../../src-main/engine/evaluation/datasets.ts';
import { MODEL_FILE_MAX_BYTES } from '../../../src-main/engine/library/model-versions.ts';
import { DEFAULT_HEADS_ID, defaultHeadsFile } from '../../../src-main/engine/model-version/versions.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const dir = suiteTempDir('onomato-user-paths-');
let engine: Engine;
let fifo: string;

beforeAll(async () => {
  engine = await openEngine({ dataDir: join(dir, 'data'), mode: 'web' });
  fifo = join(dir, 'pipe.onomato-model');
  execFileSync('mkfifo', [fifo]);
});

afterAll(async () => {
  await engine?.close();
});

async function refusal(path: string): Promise<EngineError> {
  const err = await engine.handlers['models.import']({ path }).then(() => undefined, (e: unknown) => e);
  expect(err, path).toBeInstanceOf(EngineError);
  return err as EngineError;
}

describe('models.import', () => {
  it('refuses a device without reading it (/dev/zero never ends)', async () => {
    const before = process.memoryUsage().rss;
    const err = await refusal('/dev/zero');
    expect(err.kind).toBe('invalid-argument');
    expect(err.message).toBe('/dev/zero: is a device, not a regular file');
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });

  it('refuses a named pipe at once, and many of them leave the thread pool free', async () => {
    const errs = await Promise.all(Array.from({ length: 8 }, () => refusal(fifo)));
    for (const err of errs) expect(err.message).toBe(`${fifo}: is a named pipe (FIFO), not a regular file`);
    // libuv has four pool threads: had the opens blocked, this read would wait for ever.
    expect((await readFile(defaultHeadsFile())).length).toBeGreaterThan(0);
  }, 5_000);

  it('refuses a folder and a file over the stated size, and still imports a real model file', async () => {
    expect((await refusal(dir)).message).toBe(`${dir}: is a folder, not a regular file`);
    const huge = join(dir, 'huge.onomato-model');
    writeFileSync(huge, '');
    truncateSync(huge, MODEL_FILE_MAX_BYTES + 1);
    const err = await refusal(huge);
    expect(err.kind).toBe('too-large');
    expect(err.message).toBe(`${huge}: this model version file is larger than the 64 MiB Onomato reads for it`);
    await expect(engine.handlers['models.import']({ path: defaultHeadsFile() })).resolves.toMatchObject({ id: DEFAULT_HEADS_ID });
  });
});

describe('dataset folders (eval.start, pairs.import)', () => {
  it('a pipe named like the dataset list or its description is refused, not waited on', async () => {
    const root = join(dir, 'dataset');
    mkdirSync(root);
    execFileSync('mkfifo', [join(root, 'pairs.csv')]);
    const err = await loadDataset(root).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toMatch(/not a dataset Onomato can read/);

    // A real list beside a pipe as its description: the name falls back to the folder's.
    const named = join(dir, 'named');
    mkdirSync(named);
    writeFileSync(join(named, 'pairs.csv'), 'imitation,reference,class\n');
    execFileSync('mkfifo', [join(named, 'dataset.json')]);
    const second = await loadDataset(named).then(() => undefined, (e: unknown) => e);
    expect((second as EngineError).kind).toBe('dataset');
    expect((second as EngineError).message).toContain(named);
  }, 5_000);
});
