import { EngineError } from '../errors.ts';
import { openModelPair, type ModelPair } from '../model/runtime.ts';
import { decodeModelVersion } from '../model-version/model-file.ts';
import { modelVersionSystem } from './model-version-system.ts';
import { randomSystem, twoDftSystem, type RetrievalSystem } from './systems.ts';
import { zeroShotSystem } from './zero-shot.ts';

/**
 * Every system an evaluation can compare, named by a plain description (a spec) that crosses to
 * the evaluation worker by structured clone; the worker turns specs into systems. A new kind of
 * system joins by adding a spec kind here and a case in `openSystems`.
 */

/** The ONNX files of a backbone and the model version id its embeddings are stored under. */
export interface ModelFiles {
  versionId: string;
  towers: { imitation: string; reference: string };
}

export type SystemSpec =
  | { kind: 'random'; seed: number }
  | { kind: '2dft' }
  /** The AudioSet MobileNet untrained: the library's backbone (id zero-shot), or another by `backbone:<id>`. */
  | { kind: 'zero-shot'; model: ModelFiles; hopSec: number; id?: string }
  /** A trained model version: heads over backbone features, its weights in the model-file format. */
  | { kind: 'model-version'; id: string; label: string; weights: Uint8Array; model: ModelFiles };

/** How a system is offered to the user (the contract's EvalSystem). */
export interface SystemChoice {
  id: string;
  label: string;
  description: string;
}

/** The systems every evaluation can run, whatever the library holds. */
export const BASELINE_SYSTEMS: readonly SystemChoice[] = [
  { id: 'random', label: 'random', description: 'Uniform random scores (seed 1): the floor every system must clear.' },
  { id: '2dft', label: '2DFT', description: 'The challenge baseline: 2-D FFT of a constant-Q spectrogram of the first 5 s, cosine.' },
  {
    id: 'zero-shot',
    label: 'zero-shot MobileNet',
    description: 'The AudioSet MobileNet without training: imitations through the imitation tower, references through the reference tower, best pair of 10 s windows.',
  },
];

export interface OpenedSystems {
  systems: RetrievalSystem[];
  close(): Promise<void>;
}

/**
 * Builds the systems of a run from their specs, opening each backbone once however many
 * systems share it. `threads` caps onnxruntime's threads per inference (0 = one per core).
 */
export async function openSystems(specs: readonly SystemSpec[], opts: { threads?: number } = {}): Promise<OpenedSystems> {
  const pairs = new Map<string, Promise<ModelPair>>();
  const pairFor = (m: ModelFiles): Promise<ModelPair> => {
    const key = `${m.towers.imitation}\n${m.towers.reference}`;
    let p = pairs.get(key);
    if (!p) {
      // Falling back from CUDA to the CPU is the normal case on most machines: not worth a warning per run.
      p = openModelPair({ id: m.versionId, towers: m.towers }, { threads: opts.threads ?? 0, log: () => undefined });
      pairs.set(key, p);
    }
    return p;
  };
  const close = async (): Promise<void> => {
    for (const p of pairs.values()) await (await p.catch(() => null))?.close();
  };
  try {
    const systems: RetrievalSystem[] = [];
    for (const spec of specs) {
      if (spec.kind === 'random') systems.push(randomSystem(spec.seed));
      else if (spec.kind === '2dft') systems.push(twoDftSystem());
      else if (spec.kind === 'zero-shot') systems.push(zeroShotSystem(await pairFor(spec.model), { hopSec: spec.hopSec, versionId: spec.model.versionId, id: spec.id }));
      else if (spec.kind === 'model-version') {
        const version = decodeModelVersion(spec.weights, spec.id);
        // Heads sit over the backbone's pooled features; the reference tower is that backbone.
        const pair = await pairFor(spec.model);
        systems.push(modelVersionSystem(version, pair.reference, { id: spec.id, label: spec.label }));
      } else {
        throw new EngineError('internal', `unknown evaluation system kind ${JSON.stringify(spec)}`);
      }
    }
    return { systems, close };
  } catch (err) {
    await close();
    throw err;
  }
}
