import { EngineError } from '../../errors.ts';
import type { ImitatorFamily } from './family.ts';
import { formantFamily } from './formant.ts';
import { percussiveFamily } from './percussive.ts';
import { schematicFamily } from './schematic.ts';
import { tonalFamily } from './tonal.ts';
import { tubeFamily } from './tube.ts';

/** Every imitator family, in the order `--imitators all` uses. */
export const IMITATOR_FAMILIES: readonly ImitatorFamily[] = [formantFamily, tubeFamily, percussiveFamily, tonalFamily, schematicFamily];

/** The default: the proxy's original performer, so published proxy numbers stay reproducible. */
export const DEFAULT_IMITATORS: readonly string[] = ['formant'];

export function imitatorIds(): string[] {
  return IMITATOR_FAMILIES.map((f) => f.id);
}

/**
 * The families named by `ids` (in the order given, duplicates dropped); `all` names every one.
 * An unknown id is refused with the list of known ones.
 */
export function imitatorFamilies(ids: readonly string[]): ImitatorFamily[] {
  const wanted = ids.map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (wanted.length === 0) throw new EngineError('invalid-argument', `name at least one imitator family (known: ${imitatorIds().join(', ')}, or all)`);
  if (wanted.includes('all')) return [...IMITATOR_FAMILIES];
  const out: ImitatorFamily[] = [];
  for (const id of wanted) {
    const family = IMITATOR_FAMILIES.find((f) => f.id === id);
    if (!family) throw new EngineError('invalid-argument', `there is no imitator family "${id}"; the known ones are ${imitatorIds().join(', ')} (or all)`);
    if (!out.includes(family)) out.push(family);
  }
  return out;
}
