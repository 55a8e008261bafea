import { createRequire } from 'node:module';
import type * as Naudiodon from 'naudiodon2';
import { EngineError } from '../errors.ts';

type PortAudio = typeof Naudiodon;

let loaded: PortAudio | undefined;

/**
 * Loads naudiodon2 on first use rather than at import, so that a machine whose native build is
 * missing (or built for another runtime) can still scan, search and train: only capture fails,
 * with a sentence the UI can show.
 */
export function portAudio(): PortAudio {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('naudiodon2') as PortAudio;
    return loaded;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new EngineError('device', `audio input is unavailable: the PortAudio module could not be loaded (${detail})`, { cause });
  }
}
