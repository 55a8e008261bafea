import { existsSync, readFileSync } from 'node:fs';
import { EngineError } from '../errors.ts';
import { backboneVersionId, prepareLibraryModel } from '../library/library-model.ts';
import type { LibraryStore } from '../library/store.ts';
import { ensureModel, listBackbones } from '../model/backbone.ts';
import { decodeModelVersion } from '../model-version/model-file.ts';
import { defaultHeadsFile, DEFAULT_HEADS_ID } from '../model-version/versions.ts';
import { listModelVersions } from '../library/model-versions.ts';
import { BASELINE_SYSTEMS, type ModelFiles, type SystemChoice, type SystemSpec } from './system-registry.ts';

/**
 * The main thread's half of the registry: which systems this library offers (the baselines and
 * its model versions) and the specs a run's worker needs for a chosen few (model files built,
 * weights read from the store), so the worker never opens the database.
 */

export interface SystemContext {
  store: LibraryStore;
  modelsDir: string;
  /** Window hop the library uses (settings' windowHopSec); the zero-shot system cuts windows the same way. */
  hopSec?: number;
}

const BASELINE_IDS = new Set(BASELINE_SYSTEMS.map((s) => s.id));

interface VersionSource {
  choice: SystemChoice;
  weights: () => Uint8Array;
}

function versionSources(store: LibraryStore): VersionSource[] {
  const out: VersionSource[] = [];
  for (const v of listModelVersions(store)) {
    if (BASELINE_IDS.has(v.id)) continue;
    const note = v.status === 'rejected' ? 'rejected when trained' : v.active ? 'in use' : v.status;
    out.push({
      choice: { id: v.id, label: `${v.name} (${note})`, description: `Model version ${v.id}: heads trained over the backbone's features (${v.featuresId}).` },
      weights: () => {
        const w = store.modelWeights(v.id);
        if (!w) throw new EngineError('not-found', `model version "${v.id}" has no weights in the library`);
        return w;
      },
    });
  }
  const shipped = defaultHeadsFile();
  if (!out.some((s) => s.choice.id === DEFAULT_HEADS_ID) && existsSync(shipped)) {
    out.push({
      choice: { id: DEFAULT_HEADS_ID, label: `${DEFAULT_HEADS_ID} (shipped)`, description: 'The heads Onomato ships as its default model version.' },
      weights: () => readFileSync(shipped),
    });
  }
  return out;
}

const BACKBONE_PREFIX = 'backbone:';

/**
 * Every backbone on this machine as a system of its own (`backbone:<id>`), so backbones can be
 * compared side by side on one dataset: takes through a two-tower checkpoint's imitation tower,
 * references through its reference tower, exactly as the QVIM baseline is evaluated.
 */
export async function backboneSystems(modelsDir: string): Promise<SystemChoice[]> {
  return (await listBackbones(modelsDir)).filter((b) => b.present).map((b) => ({
    id: `${BACKBONE_PREFIX}${b.id}`,
    label: `${b.id} untrained${b.twoTowers ? ' (two towers)' : ''}`,
    description: `${b.name}, ${b.embeddingSize}-d, used as it comes: ${b.twoTowers ? 'imitations through its imitation tower, references through its reference tower' : 'one network for imitations and references'}.`,
  }));
}

/** The baselines, the backbones on this machine, then the library's model versions (and the shipped default heads). */
export async function availableSystems(store: LibraryStore, modelsDir: string): Promise<SystemChoice[]> {
  return [...BASELINE_SYSTEMS, ...(await backboneSystems(modelsDir)), ...versionSources(store).map((s) => s.choice)];
}

/**
 * Specs for the chosen systems, in the order given. Building the backbone (the first time) is
 * done here, before the worker starts. `modelVersion` is the library's model version the run
 * is recorded against.
 */
export async function resolveSystems(ids: readonly string[], ctx: SystemContext): Promise<{ specs: SystemSpec[]; modelVersion: string | null }> {
  if (ids.length === 0) throw new EngineError('invalid-argument', 'choose at least one system to evaluate');
  const versions = new Map(versionSources(ctx.store).map((s) => [s.choice.id, s]));
  const unknown = ids.filter((id) => !BASELINE_IDS.has(id) && !versions.has(id) && !id.startsWith(BACKBONE_PREFIX));
  if (unknown.length) {
    const known = [...BASELINE_IDS, ...versions.keys()].join(', ');
    throw new EngineError('invalid-argument', `unknown system${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}: choose from ${known}`);
  }
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new EngineError('invalid-argument', `system "${duplicate}" is named twice`);

  let library: ModelFiles | undefined;
  const libraryModel = async (): Promise<ModelFiles> => {
    if (!library) {
      const m = await prepareLibraryModel(ctx.store, ctx.modelsDir);
      library = { versionId: backboneVersionId(m.built), towers: m.built.towers };
    }
    return library;
  };
  const backbones = new Map<string, ModelFiles>();
  const backbone = async (id: string): Promise<ModelFiles> => {
    let m = backbones.get(id);
    if (!m) {
      const built = await ensureModel(ctx.modelsDir, { id });
      m = { versionId: backboneVersionId(built), towers: built.towers };
      backbones.set(id, m);
    }
    return m;
  };

  const specs: SystemSpec[] = [];
  for (const id of ids) {
    if (id === 'random') specs.push({ kind: 'random', seed: 1 });
    else if (id === '2dft') specs.push({ kind: '2dft' });
    else if (id === 'zero-shot') specs.push({ kind: 'zero-shot', model: await libraryModel(), hopSec: ctx.hopSec ?? 5 });
    else if (id.startsWith(BACKBONE_PREFIX)) specs.push({ kind: 'zero-shot', id, model: await backbone(id.slice(BACKBONE_PREFIX.length)), hopSec: ctx.hopSec ?? 5 });
    else {
      const source = versions.get(id)!;
      const weights = source.weights();
      const version = decodeModelVersion(weights, id);
      specs.push({ kind: 'model-version', id, label: source.choice.label, weights, model: await backbone(version.features.backbone) });
    }
  }
  return { specs, modelVersion: ctx.store.activeModelVersion()?.id ?? library?.versionId ?? null };
}
