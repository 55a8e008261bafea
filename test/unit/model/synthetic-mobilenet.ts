import type { StateDict, Tensor } from '../../../src-main/engine/model/checkpoint.ts';

/**
 * A randomly initialised EfficientAT-style MobileNetV3 state dict for any width multiplier, laid out
 * exactly like the released checkpoints' keys, so structure inference can be tested on widths whose
 * weights are not on this machine (mn10 = 1.0, mn20, ...).
 */
const TABLE: Array<[number, number, number, number, boolean]> = [
  // input, kernel, expanded, output, squeeze-excitation
  [16, 3, 16, 16, false], [16, 3, 64, 24, false], [24, 3, 72, 24, false],
  [24, 5, 72, 40, true], [40, 5, 120, 40, true], [40, 5, 120, 40, true],
  [40, 3, 240, 80, false], [80, 3, 200, 80, false], [80, 3, 184, 80, false], [80, 3, 184, 80, false],
  [80, 3, 480, 112, true], [112, 3, 672, 112, true],
  [112, 5, 672, 160, true], [160, 5, 960, 160, true], [160, 5, 960, 160, true],
];

export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

export function syntheticMobileNet(width: number, seed = 1): StateDict {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const tensor = (shape: number[], scale: number, offset = 0): Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { shape, data: Float32Array.from({ length: n }, () => offset + scale * rand()) };
  };
  const state: StateDict = new Map();
  const convBn = (name: string, out: number, inPerGroup: number, k: number) => {
    state.set(`${name}.0.weight`, tensor([out, inPerGroup, k, k], 5 / Math.sqrt(inPerGroup * k * k)));
    state.set(`${name}.1.weight`, tensor([out], 0.2, 1));
    state.set(`${name}.1.bias`, tensor([out], 0.2));
    state.set(`${name}.1.running_mean`, tensor([out], 0.2));
    state.set(`${name}.1.running_var`, tensor([out], 0.4, 1));
    state.set(`${name}.1.num_batches_tracked`, { shape: [], data: Float32Array.of(100) });
  };
  const w = (c: number) => makeDivisible(c * width);
  convBn('features.0', w(16), 1, 3);
  TABLE.forEach(([cin, k, cexp, cout, se], i) => {
    const base = `features.${i + 1}.block`;
    let j = 0;
    if (w(cexp) !== w(cin)) convBn(`${base}.${j++}`, w(cexp), w(cin), 1);
    convBn(`${base}.${j++}`, w(cexp), 1, k);
    if (se) {
      const sq = makeDivisible(Math.floor(w(cexp) / 4));
      const p = `${base}.${j++}.conc_se_layers.0`;
      state.set(`${p}.fc1.weight`, tensor([sq, w(cexp)], 0.2));
      state.set(`${p}.fc1.bias`, tensor([sq], 0.1));
      state.set(`${p}.fc2.weight`, tensor([w(cexp), sq], 0.2));
      state.set(`${p}.fc2.bias`, tensor([w(cexp)], 0.1));
    }
    convBn(`${base}.${j++}`, w(cout), w(cexp), 1);
  });
  const last = 6 * w(160);
  convBn('features.16', last, w(160), 1);
  state.set('classifier.2.weight', tensor([w(1280), last], 0.1));
  state.set('classifier.2.bias', tensor([w(1280)], 0.1));
  state.set('classifier.5.weight', tensor([527, w(1280)], 0.1));
  state.set('classifier.5.bias', tensor([527], 0.1));
  return state;
}
