import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.ts';
import { EngineError } from '../errors.ts';

/**
 * The backbones a user added from their own checkpoint files (`onomato models add-backbone`,
 * Settings -> Model -> "Use a checkpoint file…"), kept in `<models>/backbones.json`. The checkpoint
 * itself is copied into `<models>/checkpoints/`, so the backbone keeps working when the user moves
 * or deletes the file they picked.
 */
export interface AddedBackbone {
  id: string;
  /** The copy in the models folder. */
  checkpoint: string;
  /** The file the user picked, for the record. */
  origin: string;
  sha256: string;
  bytes: number;
  embeddingSize: number;
  twoTowers: boolean;
  addedAt: string;
}

export function registryFile(modelsDir: string): string {
  return join(modelsDir, 'backbones.json');
}

export async function readAddedBackbones(modelsDir: string): Promise<AddedBackbone[]> {
  let text: string;
  try {
    text = await readFile(registryFile(modelsDir), 'utf8');
  } catch {
    return [];
  }
  try {
    const list = JSON.parse(text) as AddedBackbone[];
    return Array.isArray(list) ? list.filter((b) => typeof b.id === 'string' && typeof b.checkpoint === 'string') : [];
  } catch (cause) {
    throw new EngineError('corrupt', 'the list of added backbones is not readable JSON; fix or delete it', { file: registryFile(modelsDir), cause });
  }
}

export async function addedBackbone(modelsDir: string, id: string): Promise<AddedBackbone | undefined> {
  return (await readAddedBackbones(modelsDir)).find((b) => b.id === id);
}

/** Adds or replaces one record (written atomically, so a crash never leaves half a list). */
export async function recordAddedBackbone(modelsDir: string, record: AddedBackbone): Promise<void> {
  const list = (await readAddedBackbones(modelsDir)).filter((b) => b.id !== record.id);
  list.push(record);
  await writeFileAtomic(registryFile(modelsDir), new TextEncoder().encode(JSON.stringify(list, null, 1)));
}
