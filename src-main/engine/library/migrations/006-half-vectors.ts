import { encodeHalf } from '../half-float.ts';
import type { Migration } from './migration.ts';

/**
 * Window vectors (sound_embeddings) and backbone features (sound_features, take_features) move
 * from float32 to float16 blobs: a million sounds at 384-d embeddings plus 712-d features drop
 * from ~4.4 kB to ~2.2 kB of vectors a sound. float16 keeps 11 significant bits (relative error
 * below 1/2048), so exact rescoring and re-embedding from features rank as before (measured in
 * test/unit/library/half-vectors.test.ts). The pages freed are reused by later writes; the file
 * itself shrinks only when it is vacuumed.
 */
export const halfVectors: Migration = {
  version: 6,
  name: 'half-vectors',
  up(db) {
    db.function('onomato_half_vector', { deterministic: true }, (blob: unknown) => {
      const bytes = blob as Buffer;
      const floats = new Float32Array(bytes.byteLength >> 2);
      new Uint8Array(floats.buffer).set(bytes.subarray(0, floats.byteLength));
      return encodeHalf(floats);
    });
    for (const table of ['sound_embeddings', 'sound_features', 'take_features']) {
      db.exec(`UPDATE ${table} SET vector = onomato_half_vector(vector)`);
    }
  },
};
