import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeWav } from '../audio/wav-write.ts';
import { EngineError } from '../errors.ts';

export interface TakeMeta {
  /** The input it was recorded from, kept in the WAV's BWF description. */
  device?: string;
  /** Where the trimmed take began in the raw recording. */
  trimmedFromSec?: number;
  /** When recording started; defaults to now. */
  recordedAt?: Date;
}

export interface SavedTake {
  path: string;
  /** The short random part of the file name, unique enough to tell takes of the same second apart. */
  id: string;
  durationSec: number;
  recordedAt: Date;
}

/**
 * Saves a take as 32-bit float mono WAV in the takes folder: float keeps the exact samples the
 * search saw, so re-running a search on an old take gives the same matches. File names sort by
 * time and carry no colons, which Windows forbids.
 */
export async function saveTakeWav(takesDir: string, samples: Float32Array, sampleRate: number, meta: TakeMeta = {}): Promise<SavedTake> {
  if (samples.length === 0) throw new EngineError('empty-file', 'the take holds no audio to save');
  const recordedAt = meta.recordedAt ?? new Date();
  const id = randomBytes(3).toString('hex');
  const path = join(takesDir, `take-${recordedAt.toISOString().replace(/:/g, '-')}-${id}.wav`);
  const parts = ['Onomato take'];
  if (meta.device) parts.push(`recorded from "${meta.device}"`);
  if (meta.trimmedFromSec !== undefined) parts.push(`trimmed from ${meta.trimmedFromSec.toFixed(3)} s`);
  await mkdir(takesDir, { recursive: true }).catch((err: unknown) => {
    throw EngineError.from(err, takesDir);
  });
  await writeWav(path, { channels: [samples], sampleRate, bitDepth: 32, float: true, description: parts.join(', '), originator: 'Onomato' });
  return { path, id, durationSec: samples.length / sampleRate, recordedAt };
}
