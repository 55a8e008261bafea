import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { EngineError } from '../errors.ts';
import { addedBackbone, readAddedBackbones, recordAddedBackbone, type AddedBackbone } from './backbone-registry.ts';
import { CATALOGUE, catalogueEntry, DEFAULT_MODEL_ID, withOverride, type CatalogueEntry } from './catalogue.ts';
import { parseCheckpoint, readCheckpoint, towersOf } from './checkpoint.ts';
import { download, sha256OfFile } from './download.ts';
import { buildOnnx, describeMobileNet, ONNX_BUILDER_VERSION } from './mobilenet.ts';
import { appRoot } from '../app-root.ts';
import { writeFileAtomic } from '../atomic-write.ts';
import { readRegularFile } from '../regular-file.ts';

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
  signal?: AbortSignal;
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
  const added = !opts.checkpoint && opts.id && !CATALOGUE.some((e) => e.id === opts.id) ? await addedBackbone(modelsDir, opts.id) : undefined;
  const found = opts.checkpoint || added ? await explicitCheckpoint(opts.checkpoint ?? added!.checkpoint, opts.id) : await catalogueCheckpoint(modelsDir, opts);
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

  const split = await readTowers(found);
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

/**
 * Reads the towers, and for a catalogue file checks that it is built as the published one is (the
 * only check left where no digest is published). A downloaded file that is not is deleted.
 */
async function readTowers(found: FoundCheckpoint): Promise<ReturnType<typeof towersOf>> {
  try {
    const split = towersOf(await readCheckpoint(found.path));
    const { entry } = found;
    if (entry) {
      const two = split.imitation !== split.reference;
      const size = describeMobileNet(split.reference).embeddingSize;
      if (two !== entry.twoTowers || size !== entry.embeddingSize) {
        const shape = (t: boolean, d: number) => `${t ? 'two towers' : 'one network'} of ${d}-d embeddings`;
        throw new EngineError('model', `this is not the published ${entry.id} checkpoint: it holds ${shape(two, size)} where the published file holds ${shape(entry.twoTowers, entry.embeddingSize)}`);
      }
    }
    return split;
  } catch (e) {
    if (!found.downloaded) throw EngineError.from(e, found.path);
    await rm(found.path, { force: true });
    const why = e instanceof EngineError ? e.message.replace(`${found.path}: `, '') : String(e);
    throw new EngineError('model', `the downloaded checkpoint cannot be used (${why}); it was deleted`, { file: found.path, cause: e });
  }
}

/** `QVIM baseline.ckpt` -> `QVIM_baseline`: a backbone's default name. */
function idFromFileName(path: string): string {
  return basename(path).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_.-]+/g, '_') || 'checkpoint';
}

async function explicitCheckpoint(file: string, id: string | undefined): Promise<{ id: string; path: string; sha256: string }> {
  const path = resolve(file);
  try {
    await stat(path);
  } catch (cause) {
    throw EngineError.from(cause, path);
  }
  return { id: id ?? idFromFileName(path), path, sha256: await sha256OfFile(path) };
}

interface FoundCheckpoint {
  id: string;
  path: string;
  sha256: string;
  /** The catalogue entry it should be, when it came from the catalogue. */
  entry?: CatalogueEntry;
  /** Whether Onomato downloaded it into the models folder (and may delete it when it proves wrong). */
  downloaded?: boolean;
}

async function catalogueCheckpoint(modelsDir: string, opts: EnsureOptions): Promise<FoundCheckpoint> {
  const entry = catalogueEntry(opts.id ?? DEFAULT_MODEL_ID);
  const configured = [process.env.ONOMATO_PRETRAINED_DIR, ...(opts.checkpointDirs ?? []), join(appRoot, '..', 'shared', 'pretrained')]
    .filter((d): d is string => Boolean(d));
  for (const dir of configured) {
    const path = join(dir, entry.file);
    if (!existsSync(path)) continue;
    const sha256 = await checked(path, entry);
    if (sha256) return { id: entry.id, path, sha256, entry };
    throw new EngineError('model', `this ${entry.id} checkpoint is not the published file (size or sha256 differ)`, { file: path });
  }
  const local = join(modelsDir, entry.file);
  if (existsSync(local)) {
    const sha256 = await checked(local, entry);
    if (sha256) return { id: entry.id, path: local, sha256, entry, downloaded: true };
    await rm(local, { force: true }); // a damaged earlier download: fetch it again
  }
  if (opts.download === false) {
    throw new EngineError('not-found', `the ${entry.id} checkpoint (${entry.file}) was not found in ${configured.join(', ') || 'any configured folder'} and downloading is off`);
  }
  const sha256 = await download(entry.url, local, { sha256: entry.sha256, bytes: entry.bytes, onProgress: opts.onProgress, signal: opts.signal });
  return { id: entry.id, path: local, sha256, entry, downloaded: true };
}

/** The file's sha256 when it is the catalogue's file (by digest, or by size where no digest is published). */
async function checked(path: string, entry: CatalogueEntry): Promise<string | undefined> {
  if (entry.bytes !== undefined && (await stat(path)).size !== entry.bytes) return undefined;
  const sha256 = await sha256OfFile(path);
  return !entry.sha256 || entry.sha256 === sha256 ? sha256 : undefined;
}

async function readRecord(path: string): Promise<BuildRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
}

/** Two mn10 towers with Lightning's optimizer state are ~120 MB; a gigabyte leaves room for wider networks. */
export const CHECKPOINT_MAX_BYTES = 2 ** 30;

export interface AddBackboneOptions {
  /** The name the backbone goes by (default: the file's name). */
  id?: string;
}

/**
 * Makes a checkpoint file one of the library's backbones: an EfficientAT state dict of any width, or a
 * QVIM-style two-tower Lightning checkpoint. Everything is checked (it reads, it is a MobileNet Onomato
 * can build, its ONNX builds) before anything is recorded, and the checkpoint is copied into the models
 * folder. Nothing else changes: the library keeps its current model until the user switches to this one.
 */
export async function addBackbone(modelsDir: string, file: string, opts: AddBackboneOptions = {}): Promise<BuiltModel & { added: AddedBackbone }> {
  const path = resolve(file);
  const id = opts.id ?? idFromFileName(path);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id)) {
    throw new EngineError('invalid-argument', `"${id}" cannot name a backbone: use up to 64 letters, digits, "_", "." or "-"`);
  }
  if (CATALOGUE.some((e) => e.id === id)) {
    throw new EngineError('invalid-argument', `"${id}" is the name of a catalogue backbone; give the file another name with --id`);
  }
  // One bounded read of a regular file (a pipe or a device is refused by what it is), hashed, parsed and copied from memory.
  const content = await readRegularFile(path, CHECKPOINT_MAX_BYTES, 'checkpoint');
  const bytes = content.length;
  const sha256 = createHash('sha256').update(content).digest('hex');
  const previous = await addedBackbone(modelsDir, id);
  if (previous && previous.sha256 !== sha256) {
    throw new EngineError('invalid-argument', `a different checkpoint was already added as "${id}"; give this one another name with --id`, { file: path });
  }
  // Read and describe both towers before copying anything: an unknown architecture stops here.
  let twoTowers: boolean;
  let embeddingSize: number;
  try {
    const split = towersOf(parseCheckpoint(content, path));
    twoTowers = split.imitation !== split.reference;
    embeddingSize = describeMobileNet(split.reference).embeddingSize;
    if (twoTowers && describeMobileNet(split.imitation).embeddingSize !== embeddingSize) {
      throw new EngineError('model', 'its imitation and reference towers give embeddings of different sizes');
    }
  } catch (cause) {
    const why = cause instanceof EngineError ? cause.message.replace(`${path}: `, '') : String(cause);
    throw new EngineError('model', `this file cannot be used as a backbone (${why}); the current model is unchanged`, { file: path, cause });
  }
  await mkdir(join(modelsDir, 'checkpoints'), { recursive: true });
  const copy = join(modelsDir, 'checkpoints', `${id}-${sha256.slice(0, 8)}${extname(path) || '.ckpt'}`);
  if (!existsSync(copy)) await writeFileAtomic(copy, content);
  const built = await ensureModel(modelsDir, { checkpoint: copy, id });
  const added: AddedBackbone = { id, checkpoint: copy, origin: path, sha256, bytes, embeddingSize, twoTowers, addedAt: new Date().toISOString() };
  await recordAddedBackbone(modelsDir, added);
  return { ...built, added };
}

export interface BackboneChoice {
  id: string;
  name: string;
  origin: 'catalogue' | 'file';
  embeddingSize: number;
  twoTowers: boolean;
  bytes?: number;
  licence: string;
  source: string;
  unverified?: string;
  /** Whether its checkpoint is on this machine already (otherwise choosing it downloads it). */
  present: boolean;
}

/** Every backbone the library can use: the catalogue's (present or downloadable) and those added from files. */
export async function listBackbones(modelsDir: string, checkpointDirs: string[] = []): Promise<BackboneChoice[]> {
  const dirs = [process.env.ONOMATO_PRETRAINED_DIR, ...checkpointDirs, join(appRoot, '..', 'shared', 'pretrained'), modelsDir]
    .filter((d): d is string => Boolean(d));
  const out: BackboneChoice[] = CATALOGUE.map((e) => withOverride(e)).map((e) => ({
    id: e.id, name: e.name, origin: 'catalogue' as const, embeddingSize: e.embeddingSize, twoTowers: e.twoTowers,
    bytes: e.bytes, licence: e.licence, source: e.source, unverified: e.unverified,
    present: dirs.some((d) => existsSync(join(d, e.file))),
  }));
  for (const b of await readAddedBackbones(modelsDir)) {
    out.push({
      id: b.id, name: `${b.id} (from ${basename(b.origin)})`, origin: 'file', embeddingSize: b.embeddingSize, twoTowers: b.twoTowers,
      bytes: b.bytes, licence: 'as given with the file (added by you)', source: b.origin, present: existsSync(b.checkpoint),
    });
  }
  return out;
}
