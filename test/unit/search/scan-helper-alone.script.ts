import { SoundIndex } from '../../../src-main/engine/search/sound-index.ts';
import { embeddingOf, embeddingSpace } from './synthetic-embeddings.ts';

/**
 * A process whose only pending work is a two-thread search (as a CLI command or the bench is):
 * it must stay alive until the helper thread's half of the scan comes back. Prints how many
 * searches went through the helper and what the last one found.
 */
const space = embeddingSpace(32, { kinds: 50, spread: 0.5, bias: 2, seed: 4 });
const index = new SoundIndex(32, { threads: 2 });
for (let k = 1; k <= 110_000; k++) index.upsert(k, [{ offsetSec: 0, embedding: embeddingOf(space, k) }]);
const query = embeddingOf(space, 77);
let throughHelper = 0;
let found = 0;
for (let attempt = 0; attempt < 100 && throughHelper < 3; attempt++) {
  const helperReady = (Reflect.get(index, 'helpers') as { ready: boolean }[] | null)?.every((h) => h.ready) === true;
  // Nothing else is pending while this search runs.
  found = (await index.searchParallel(query, { top: 5 }))[0]?.soundId ?? -1;
  if (helperReady) throughHelper++;
  else await new Promise((r) => setTimeout(r, 100));
}
// No close: an idle helper must not keep the process from ending.
process.stdout.write(JSON.stringify({ throughHelper, found }));
