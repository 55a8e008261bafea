// Gives a model version a fixed output projection: the top principal directions (uncentred, so
// dot products are what is kept) of both heads' outputs over a library's cached window features.
// Search vectors then have k values instead of the feature size. Used to make the shipped
// default (models/heads/<id>.md); the app never runs it.
//
//   npx tsx scripts/add-output-projection.ts <in.onomato-model | identity> <library.sqlite> <k> <out.onomato-model> <new id> [name]
//     [--weights backbone,modulation,envelope,brightness]
//
// `identity` starts from untrained heads over the default recipe. --weights re-weights the
// feature parts through the version's input scale (sqrt(new / recipe weight) per part, before
// both heads, in training too), so the library's cached features stay valid: a different
// weighting needs no re-indexing, only re-embedding.
import { readFileSync, writeFileSync } from 'node:fs';
import { LibraryStore } from '../src-main/engine/library/store.ts';
import { DEFAULT_FEATURES } from '../src-main/engine/training/default-recipe.ts';
import { partSize } from '../src-main/engine/model-version/features.ts';
import { applyHead, baseModelVersion, type ModelVersion } from '../src-main/engine/model-version/heads.ts';
import { decodeModelVersion, encodeModelVersion } from '../src-main/engine/model-version/model-file.ts';
import { featureKey } from '../src-main/engine/model-version/versions.ts';

const args = process.argv.slice(2);
const weightsAt = args.indexOf('--weights');
const newWeights = weightsAt >= 0 ? args.splice(weightsAt, 2)[1].split(',').map(Number) : undefined;
const [input, database, kText, output, id, newName] = args;
if (!id) {
  console.error('usage: add-output-projection.ts <in.onomato-model | identity> <library.sqlite> <k> <out.onomato-model> <new id> [name] [--weights b,m,e,r]');
  process.exit(2);
}
const k = Number(kText);
const source = input === 'identity' ? { ...baseModelVersion(DEFAULT_FEATURES, 'identity'), name: 'Untrained fused features' } : decodeModelVersion(readFileSync(input), input);
// Per feature value: sqrt(new weight / recipe weight) of its part (1 without --weights).
const scale = new Float32Array(source.reference.dimension).fill(1);
if (newWeights) {
  if (newWeights.length !== source.features.parts.length || newWeights.some((w) => !(w >= 0))) throw new Error(`--weights needs ${source.features.parts.length} weights of 0 or more`);
  let at = 0;
  source.features.parts.forEach((p, i) => {
    const size = partSize(p.name, source.features);
    scale.fill(Math.sqrt(newWeights[i] / p.weight), at, at + size);
    at += size;
  });
}
const plain: ModelVersion = { ...source, output: undefined, ...(newWeights ? { inputScale: scale } : {}) };
const store = LibraryStore.open(database, { readonly: true });
const key = featureKey(source.features);
const rows: Float32Array[] = [];
for (const soundId of store.soundIdsWithFeatures(key)) {
  for (const w of store.soundFeatures(soundId, key)) rows.push(applyHead(plain, 'reference', w.vector), applyHead(plain, 'imitation', w.vector));
}
store.close();
const d = rows[0].length;
if (rows.length < 2 * k) throw new Error(`${rows.length} head outputs are too few to find ${k} directions`);

const moment = new Float64Array(d * d);
for (const r of rows) for (let i = 0; i < d; i++) for (let j = i; j < d; j++) moment[i * d + j] += r[i] * r[j];
for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) moment[i * d + j] = moment[j * d + i];
let total = 0;
for (let i = 0; i < d; i++) total += moment[i * d + i];

// Subspace iteration: k directions, re-orthonormalised after every multiplication.
let basis = Array.from({ length: k }, (_, c) => Float64Array.from({ length: d }, (_, i) => Math.sin(1 + i * 12.9898 + c * 78.233)));
const orthonormalise = (q: Float64Array[]) => {
  for (let a = 0; a < q.length; a++) {
    for (let b = 0; b < a; b++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += q[a][i] * q[b][i];
      for (let i = 0; i < d; i++) q[a][i] -= s * q[b][i];
    }
    let n = 0;
    for (let i = 0; i < d; i++) n += q[a][i] ** 2;
    n = Math.sqrt(n);
    for (let i = 0; i < d; i++) q[a][i] /= n;
  }
};
const times = (q: Float64Array) => Float64Array.from({ length: d }, (_, i) => {
  let s = 0;
  for (let j = 0; j < d; j++) s += moment[i * d + j] * q[j];
  return s;
});
orthonormalise(basis);
for (let iteration = 0; iteration < 20; iteration++) {
  basis = basis.map(times);
  orthonormalise(basis);
}
let kept = 0;
for (const q of basis) {
  const mq = times(q);
  for (let i = 0; i < d; i++) kept += q[i] * mq[i];
}
const projection = new Float32Array(k * d);
basis.forEach((q, r) => projection.set(q, r * d));
const energy = kept / total;
const result: ModelVersion = {
  ...plain,
  id,
  name: newName ?? `${source.name} + ${k}-value output projection`,
  parent: source.id,
  // Untrained heads become a shipped version like any trained one, with no parent.
  ...(input === 'identity' ? { status: 'accepted' as const, createdAt: Date.now(), parent: null } : {}),
  output: projection,
  training: { ...source.training, outputProjection: { values: k, from: `${rows.length} head outputs of ${database}`, energyKept: energy, ...(newWeights ? { partWeights: Object.fromEntries(source.features.parts.map((p, i) => [p.name, newWeights[i]])) } : {}) } },
};
writeFileSync(output, encodeModelVersion(result));
console.log(`${output}: ${k} of ${d} directions keep ${(energy * 100).toFixed(3)}% of the head outputs' energy (${rows.length} outputs)`);
