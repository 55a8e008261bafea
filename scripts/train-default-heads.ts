// Trains the shipped default's heads as the quality matrix's best candidate was trained on each
// fold (heads:rank=32,reg=0.01,weights=selected), but on every imitator family: part weights
// chosen on every family's imitations of the family split's training references, then heads
// trained on those pairs. The 120 held-out references stay unseen, so the quality matrix can
// still score the file on them. The version re-weights its parts with an input scale over the
// default recipe, so the library's cached features stay valid. Add the 384-value output
// projection afterwards with add-output-projection.ts (models/heads/<id>.md).
//
//   npx tsx scripts/train-default-heads.ts <data dir> <proxy dir>[,<proxy dir>...] <out.onomato-model> <id> <name>
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDataset } from '../src-main/engine/evaluation/datasets.ts';
import { heldOutReferences, qualityBank } from '../src-main/engine/quality/bank.ts';
import { describeRecipe, selectPartWeights } from '../src-main/engine/quality/candidates.ts';
import { qualityFolds, reweightPairs } from '../src-main/engine/quality/matrix.ts';
import { ensureModel } from '../src-main/engine/model/backbone.ts';
import { EmbeddingModel } from '../src-main/engine/model/runtime.ts';
import { partSize } from '../src-main/engine/model-version/features.ts';
import { baseModelVersion, type ModelVersion } from '../src-main/engine/model-version/heads.ts';
import { encodeModelVersion } from '../src-main/engine/model-version/model-file.ts';
import { DEFAULT_FEATURES } from '../src-main/engine/training/default-recipe.ts';
import { DEFAULT_TRAIN_CONFIG, trainHeads, type TrainConfig } from '../src-main/engine/training/trainer.ts';

const [dataDir, proxies, output, id, name] = process.argv.slice(2);
if (!name) {
  console.error('usage: train-default-heads.ts <data dir> <proxy dir>[,<proxy dir>...] <out.onomato-model> <id> <name>');
  process.exit(2);
}
const models = join(resolve(dataDir), 'models');
const model = await EmbeddingModel.open((await ensureModel(models)).onnxPath, { log: () => undefined });
const bank = await qualityBank(model, await Promise.all(proxies.split(',').map((p) => loadDataset(resolve(p)))), { cacheDir: join(models, 'training-features') });
await model.close();
const split = heldOutReferences(bank, { testReferences: 120, seed: 1 });
// Every family's training pairs: fold 0 trains on all but family 0, fold 1 holds family 0's.
const [a, b] = qualityFolds(bank, split);
const own = b.trainFamilies.map((f) => f === a.family);
const all = { ...a, train: [...a.train, ...b.train.filter((_, i) => own[i])], trainFamilies: [...a.trainFamilies, ...b.trainFamilies.filter((_, i) => own[i])] };
const weighted = selectPartWeights(all, bank);
console.log(`part weights: ${describeRecipe(weighted)}`);

// The chosen weights as an input scale over the default recipe (0 for a part left out).
const inputScale = new Float32Array(baseModelVersion(DEFAULT_FEATURES).reference.dimension);
let at = 0;
for (const p of DEFAULT_FEATURES.parts) {
  const size = partSize(p.name, DEFAULT_FEATURES);
  inputScale.fill(Math.sqrt((weighted.parts.find((w) => w.name === p.name)?.weight ?? 0) / p.weight), at, at + size);
  at += size;
}
const start: ModelVersion = { ...baseModelVersion(DEFAULT_FEATURES, id), inputScale };
const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, epochs: 10, rank: 32, regularisation: 0.01 };
const pairs = reweightPairs(all.train, bank.recipe, DEFAULT_FEATURES);
const heads = await trainHeads(start, pairs, config, { onEpoch: (r) => console.log(`epoch ${r.epoch + 1}/${r.epochs} loss ${r.loss.toFixed(4)}`) });
const version: ModelVersion = {
  ...start,
  ...heads,
  id,
  name,
  status: 'accepted',
  createdAt: Date.now(),
  training: {
    config,
    partWeights: Object.fromEntries(weighted.parts.map((p) => [p.name, p.weight])),
    data: { pairs: pairs.length, references: split.train.size, families: bank.families, heldOutReferences: split.test.size, dataset: bank.dataset.name },
  },
};
writeFileSync(output, encodeModelVersion(version));
console.log(`${output}: ${pairs.length} pairs of ${bank.families.join(', ')} over ${split.train.size} references`);
