// The part weights the shipped default uses: chosen as the quality matrix's `weights` candidate
// chooses them on each fold, but on every family's imitations of the family split's training
// references (the held-out references stay unseen). Prints them in add-output-projection's
// --weights order (backbone,modulation,envelope,brightness).
//
//   npx tsx scripts/choose-part-weights.ts <data dir> <proxy dir>[,<proxy dir>...] [mean|worst]
import { join, resolve } from 'node:path';
import { loadDataset } from '../src-main/engine/evaluation/datasets.ts';
import { heldOutReferences, qualityBank } from '../src-main/engine/evaluation/quality/bank.ts';
import { describeRecipe, selectPartWeights } from '../src-main/engine/evaluation/quality/candidates.ts';
import { qualityFolds } from '../src-main/engine/evaluation/quality/matrix.ts';
import { ensureModel } from '../src-main/engine/model/backbone.ts';
import { EmbeddingModel } from '../src-main/engine/model/runtime.ts';

const [dataDir, proxies] = process.argv.slice(2);
if (!proxies) {
  console.error('usage: choose-part-weights.ts <data dir> <proxy dir>[,<proxy dir>...]');
  process.exit(2);
}
const models = join(resolve(dataDir), 'models');
const model = await EmbeddingModel.open((await ensureModel(models)).onnxPath, { log: () => undefined });
const bank = await qualityBank(model, await Promise.all(proxies.split(',').map((p) => loadDataset(resolve(p)))), { cacheDir: join(models, 'training-features') });
await model.close();
const split = heldOutReferences(bank, { testReferences: 120, seed: 1 });
// Every family's training pairs: the union of two folds' training sides covers all families.
const folds = qualityFolds(bank, split);
const all = { ...folds[0], train: [...folds[0].train, ...folds[1].train.filter((_, i) => folds[1].trainFamilies[i] === folds[0].family)], trainFamilies: [...folds[0].trainFamilies, ...folds[1].trainFamilies.filter((f) => f === folds[0].family)] };
const recipe = selectPartWeights(all, bank, { objective: process.argv[4] === 'worst' ? 'worst' : 'mean' });
console.log(describeRecipe(recipe));
console.log(['backbone', 'modulation', 'envelope', 'brightness'].map((n) => recipe.parts.find((p) => p.name === n)?.weight ?? 0).join(','));
