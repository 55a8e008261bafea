import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { EngineError } from '../errors.ts';
import { catalogueEntry, DEFAULT_MODEL_ID, type CatalogueEntry } from './catalogue.ts';
import { readCheckpoint, towersOf } from './checkpoint.ts';
import { download } from './download.ts';
import { buildOnnx, describeMobileNet, ONNX_BUILDER_VERSION } from './mobilenet.ts';
import { appRoot } from '../app-root.ts';
import { writeFileAtomic } from '../atomic-write.ts';

/**
 * Turns a checkpoint into the ONNX files the runtime opens: finds the checkpoint (configured folders,
 * then the shared folder beside the project, then a previous download), downloads it when it has to,
 * and builds the ONNX once, cached in the models folder under the checkpoint's digest.
 *
 *     const model = await ensureModel(dataPaths().models);
 *     const pair = await openModelPair(model);
 *     const { embeddings } = await pair.reference.run([logMel(samples)]);
 */

export interface EnsureOptions {
  /** Folders searched for the checkpoint file, after ONOMATO_PRETRAINED_DIR. */
  checkpointDirs?: string[];
  /** A catalogue id (mn04_as, mn10_as); ignored when `checkpoint` is given. */
  id?: string;
  /** An explicit checkpoint file, such as the QVIM baseline's two-tower Lightning checkpoint. */
  checkpoint?: string;
  /** Whether a missing catalogue checkpoint may be downloaded (default true). */
  download?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface BuiltModel {
  id: string;
  /** The reference tower's ONNX (the only one for a one-tower checkpoint). */
  onnxPath: string;
  towers: { imitation: string; reference: string };
  checkpointPath: string;
  checkpointSha256: string;
  embeddingSize: number;
}

interface BuildRecord {
  builder: string;
  embeddingSize: number;
  twoTowers: boolean;
  checkpoint: string;
}

export async function ensureModel(modelsDir: string, opts: EnsureOptions = {}): Promise<BuiltModel> {
  await mkdir(modelsDir, { recursive: true });
  const found = opts.checkpoint ? await explicitCheckpoint(opts.checkpoint, opts.id) : await catalogueCheckpoint(modelsDir, opts);
  const { id, path: checkpointPath, sha256 } = found;
  const stem = join(modelsDir, `${id}-${sha256.slice(0, 8)}`);
  const towers = (two: boolean) => ({ imitation: two ? `${stem}-imitation.onnx` : `${stem}.onnx`, reference: `${stem}.onnx` });

  const record = await readRecord(`${stem}.json`);
  if (record && record.builder === ONNX_BUILDER_VERSION) {
    const paths = towers(record.twoTowers);
    if (existsSync(paths.reference) && existsSync(paths.imitation)) {
      return { id, onnxPath: paths.reference, towers: paths, checkpointPath, checkpointSha256: sha256, embeddingSize: record.embeddingSize };
    }
  }

  const state = await readCheckpoint(checkpointPath);
  const split = towersOf(state);
  const twoTowers = split.imitation !== split.reference;
  const paths = towers(twoTowers);
  const metadata = { checkpoint: basename(checkpointPath), checkpoint_sha256: sha256 };
  const reference = buildOnnx(split.reference, { name: `${id}_reference`, metadata: { ...metadata, tower: twoTowers ? 'reference' : 'both' } });
  await writeFileAtomic(paths.reference, reference);
  if (twoTowers) await writeFileAtomic(paths.imitation, buildOnnx(split.imitation, { name: `${id}_imitation`, metadata: { ...metadata, tower: 'imitation' } }));
  const { embeddingSize } = describeMobileNet(split.reference);
  const built: BuildRecord = { builder: ONNX_BUILDER_VERSION, embeddingSize, twoTowers, checkpoint: checkpointPath };
  await writeFileAtomic(`${stem}.json`, new TextEncoder().encode(JSON.stringify(built, null, 1)));
  return { id, onnxPath: paths.reference, towers: paths, checkpointPath, checkpointSha256: sha256, embeddingSize };
}

async function explicitCheckpoint(file: string, id: string | undefined): Promise<{ id: string; path: string; sha256: string }> {
  const path = resolve(file);
  try {
    await stat(path);
  } catch (cause) {
    throw EngineError.from(cause, path);
  }
  const derived = basename(path).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_.-]+/g, '_') || 'checkpoint';
  return { id: id ?? derived, path, sha256: await sha256File(path) };
}

async function catalogueCheckpoint(modelsDir: string, opts: EnsureOptions): Promise<{ id: string; path: string; sha256: string }> {
  const entry = catalogueEntry(opts.id ?? DEFAULT_MODEL_ID);
  const configured = [process.env.ONOMATO_PRETRAINED_DIR, ...(opts.checkpointDirs ?? []), join(appRoot, '..', 'shared', 'pretrained')]
    .filter((d): d is string => Boolean(d));
  for (const dir of configured) {
    const path = join(dir, entry.file);
    if (!existsSync(path)) continue;
    const sha256 = await checked(path, entry);
    if (sha256) return { id: entry.id, path, sha256 };
    throw new EngineError('model', `this ${entry.id} checkpoint is not the published file (size or sha256 differ)`, { file: path });
  }
  const local = join(modelsDir, entry.file);
  if (existsSync(local)) {
    const sha256 = await checked(local, entry);
    if (sha256) return { id: entry.id, path: local, sha256 };
    await rm(local, { force: true }); // a damaged earlier download: fetch it again
  }
  if (opts.download === false) {
    throw new EngineError('not-found', `the ${entry.id} checkpoint (${entry.file}) was not found in ${configured.join(', ') || 'any configured folder'} and downloading is off`);
  }
  const sha256 = await download(entry.url, local, { sha256: entry.sha256, bytes: entry.bytes, onProgress: opts.onProgress });
  return { id: entry.id, path: local, sha256 };
}

/** The file's sha256 when it is the catalogue's file (by digest, or by size where no digest is published). */
async function checked(path: string, entry: CatalogueEntry): Promise<string | undefined> {
  if (entry.bytes !== undefined && (await stat(path)).size !== entry.bytes) return undefined;
  const sha256 = await sha256File(path);
  return !entry.sha256 || entry.sha256 === sha256 ? sha256 : undefined;
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (e) => reject(EngineError.from(e, path)))
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

async function readRecord(path: string): Promise<BuildRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
}
