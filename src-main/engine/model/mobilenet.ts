import { EngineError } from '../errors.ts';
import type { StateDict, Tensor } from './checkpoint.ts';
import { OnnxGraph } from './onnx-builder.ts';

/**
 * EfficientAT's MobileNetV3 ("mn" models) as an ONNX graph, built from a state dict alone.
 *
 * The architecture is MobileNetV3-Large adapted to one-channel spectrograms: a 3x3/2 stem, 15
 * inverted-residual blocks, a 1x1 conv to 6x the last block's width, then an MLP head. Channel counts
 * scale with the width multiplier (mn04 = 0.4, mn10 = 1.0, ...), so they are read from the tensors
 * rather than recomputed; what the tensors cannot say (strides, activations) comes from the fixed
 * table below, and the kernel sizes and squeeze-excitation placement read from the tensors are
 * checked against it so that an unknown variant fails loudly instead of computing nonsense.
 *
 * The `embedding` output is the global average of the last feature map (after its hardswish), which
 * is what EfficientAT's forward returns as `features` and what the QVIM baseline L2-normalises.
 * It is left unnormalised in the graph; the runtime normalises it.
 */

const BN_EPS = 0.001; // EfficientAT builds every BatchNorm2d with eps=0.001

/** kernel, activation, stride, squeeze-excitation: MobileNetV3-Large's inverted-residual table. */
const BLOCKS: Array<[number, Activation, number, boolean]> = [
  [3, 'relu', 1, false], [3, 'relu', 2, false], [3, 'relu', 1, false],
  [5, 'relu', 2, true], [5, 'relu', 1, true], [5, 'relu', 1, true],
  [3, 'hardswish', 2, false], [3, 'hardswish', 1, false], [3, 'hardswish', 1, false], [3, 'hardswish', 1, false],
  [3, 'hardswish', 1, true], [3, 'hardswish', 1, true],
  [5, 'hardswish', 2, true], [5, 'hardswish', 1, true], [5, 'hardswish', 1, true],
];

type Activation = 'relu' | 'hardswish';

interface Conv {
  name: string;
  weight: Tensor; // batch norm folded in
  bias: Float32Array;
  kernel: number;
  stride: number;
  groups: number;
}

interface SqueezeExcitation {
  name: string;
  fc1: Tensor;
  fc1Bias: Float32Array;
  fc2: Tensor;
  fc2Bias: Float32Array;
}

interface Block {
  expand?: Conv;
  depthwise: Conv;
  se?: SqueezeExcitation;
  project: Conv;
  activation: Activation;
  residual: boolean;
}

export interface MobileNet {
  stem: Conv;
  blocks: Block[];
  last: Conv;
  hidden: { weight: Tensor; bias: Tensor };
  output: { weight: Tensor; bias: Tensor };
  embeddingSize: number;
  classes: number;
}

export function describeMobileNet(state: StateDict): MobileNet {
  const get = (key: string): Tensor => {
    const t = state.get(key);
    if (!t) throw unsupported(`it has no "${key}" tensor`);
    return t;
  };
  if (state.has('classifier.1.bias') || [...state.keys()].some((k) => k.startsWith('classifier.') && k.includes('attention'))) {
    throw unsupported('its classifier head is not the MLP head (fully-convolutional and attention-pooling heads are not supported)');
  }
  const stem = convBn(state, 'features.0', 2, 1, get);
  if (stem.kernel !== 3 || stem.weight.shape[1] !== 1) throw unsupported('its first convolution is not a 3x3 convolution over one input channel');

  const blocks: Block[] = [];
  let channels = stem.weight.shape[0];
  BLOCKS.forEach(([kernel, activation, stride, hasSe], i) => {
    const base = `features.${i + 1}.block`;
    const convs: string[] = [];
    let seAt: string | undefined;
    for (let j = 0; ; j++) {
      if (state.has(`${base}.${j}.0.weight`)) convs.push(`${base}.${j}`);
      else if (state.has(`${base}.${j}.conc_se_layers.0.fc1.weight`)) seAt = `${base}.${j}`;
      else break;
    }
    if (convs.length < 2 || convs.length > 3) throw unsupported(`block ${i + 1} has ${convs.length} convolutions`);
    const expand = convs.length === 3 ? convBn(state, convs[0], 1, 1, get) : undefined;
    const depthwise = convBn(state, convs[convs.length - 2], stride, -1, get);
    const project = convBn(state, convs[convs.length - 1], 1, 1, get);
    const expanded = depthwise.weight.shape[0];
    if (depthwise.kernel !== kernel) throw unsupported(`block ${i + 1} has a ${depthwise.kernel}x${depthwise.kernel} depthwise kernel where MobileNetV3 has ${kernel}x${kernel}`);
    if ((seAt !== undefined) !== hasSe) throw unsupported(`block ${i + 1} ${hasSe ? 'lacks' : 'has'} squeeze-excitation`);
    if ((expand ? expand.weight.shape[1] : expanded) !== channels || project.weight.shape[1] !== expanded) {
      throw unsupported(`the channel counts of block ${i + 1} do not chain`);
    }
    let se: SqueezeExcitation | undefined;
    if (seAt !== undefined) {
      if (state.has(`${seAt}.conc_se_layers.1.fc1.weight`)) throw unsupported('it squeezes and excites over several dimensions at once');
      const fc1 = get(`${seAt}.conc_se_layers.0.fc1.weight`);
      if (fc1.shape[1] !== expanded) throw unsupported('its squeeze-excitation is not over channels');
      se = {
        name: seAt,
        fc1,
        fc1Bias: get(`${seAt}.conc_se_layers.0.fc1.bias`).data,
        fc2: get(`${seAt}.conc_se_layers.0.fc2.weight`),
        fc2Bias: get(`${seAt}.conc_se_layers.0.fc2.bias`).data,
      };
    }
    const out = project.weight.shape[0];
    blocks.push({ expand, depthwise, se, project, activation, residual: stride === 1 && channels === out });
    channels = out;
  });
  if (state.has(`features.${BLOCKS.length + 2}.0.weight`)) throw unsupported('it has more layers than MobileNetV3');
  const last = convBn(state, `features.${BLOCKS.length + 1}`, 1, 1, get);
  if (last.weight.shape[1] !== channels) throw unsupported('its last convolution does not follow the last block');

  const hidden = { weight: get('classifier.2.weight'), bias: get('classifier.2.bias') };
  const output = { weight: get('classifier.5.weight'), bias: get('classifier.5.bias') };
  const embeddingSize = last.weight.shape[0];
  if (hidden.weight.shape[1] !== embeddingSize || output.weight.shape[1] !== hidden.weight.shape[0]) {
    throw unsupported('its classifier does not fit its last feature map');
  }
  return { stem, blocks, last, hidden, output, embeddingSize, classes: output.weight.shape[0] };
}

/** Conv2d (no bias) + BatchNorm2d as torchvision's ConvNormActivation stores them, folded into one conv. */
function convBn(state: StateDict, name: string, stride: number, groups: number, get: (k: string) => Tensor): Conv {
  const w = get(`${name}.0.weight`);
  if (w.shape.length !== 4 || w.shape[2] !== w.shape[3]) throw unsupported(`"${name}" is not a square 2-D convolution`);
  if (state.has(`${name}.0.bias`)) throw unsupported(`"${name}" has a convolution bias where EfficientAT has none`);
  const [out, inPerGroup, k] = w.shape;
  const gamma = get(`${name}.1.weight`).data;
  const beta = get(`${name}.1.bias`).data;
  const mean = get(`${name}.1.running_mean`).data;
  const variance = get(`${name}.1.running_var`).data;
  const perChannel = inPerGroup * k * k;
  const weight = new Float32Array(w.data.length);
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    // Folded in float64 so the only rounding is the final one to float32.
    const scale = gamma[o] / Math.sqrt(variance[o] + BN_EPS);
    for (let i = 0; i < perChannel; i++) weight[o * perChannel + i] = w.data[o * perChannel + i] * scale;
    bias[o] = beta[o] - mean[o] * scale;
  }
  const g = groups === -1 ? out : groups;
  if (groups === -1 && inPerGroup !== 1) throw unsupported(`"${name}" should be a depthwise convolution`);
  return { name, weight: { shape: [...w.shape], data: weight }, bias, kernel: k, stride, groups: g };
}

function unsupported(why: string): EngineError {
  return new EngineError('model', `the checkpoint is not an EfficientAT MobileNetV3 that Onomato can build: ${why}`);
}

export interface BuildOptions {
  /** Graph name, also recorded in the model's metadata. */
  name?: string;
  /** Mel bands of the input (128 for every released EfficientAT model but the mels_* variants). */
  mels?: number;
  /** Extra metadata_props entries (checkpoint hash, tower, ...). */
  metadata?: Record<string, string>;
}

export const ONNX_BUILDER_VERSION = '1';

/**
 * ONNX (opset 17) for one tower: input `logmel` [batch, 1, mels, frames], outputs `logits` [batch, 527]
 * and `embedding` [batch, D] (the raw pooled features; see the module comment).
 */
export function buildOnnx(state: StateDict, opts: BuildOptions = {}): Uint8Array {
  const net = describeMobileNet(state);
  const g = new OnnxGraph();
  let x = g.input('logmel', ['batch', 1, opts.mels ?? 128, 'frames']);

  const conv = (input: string, c: Conv): string => {
    const pad = (c.kernel - 1) >> 1;
    return g.node('Conv', [input, g.constant(`${c.name}.weight`, c.weight.shape, c.weight.data), g.constant(`${c.name}.bias`, [c.bias.length], c.bias)], {
      kernel_shape: [c.kernel, c.kernel],
      strides: [c.stride, c.stride],
      pads: [pad, pad, pad, pad],
      group: c.groups,
    });
  };
  const act = (input: string, a: Activation): string => g.node(a === 'relu' ? 'Relu' : 'HardSwish', [input]);

  x = act(conv(x, net.stem), 'hardswish');
  for (const b of net.blocks) {
    let h = x;
    if (b.expand) h = act(conv(h, b.expand), b.activation);
    h = act(conv(h, b.depthwise), b.activation);
    if (b.se) h = g.node('Mul', [h, squeezeExcitation(g, h, b.se)]);
    h = conv(h, b.project);
    x = b.residual ? g.node('Add', [h, x]) : h;
  }
  x = act(conv(x, net.last), 'hardswish');
  const embedding = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 }, 'embedding');
  const gemm = (input: string, name: string, layer: { weight: Tensor; bias: Tensor }, output?: string): string =>
    g.node('Gemm', [input, g.constant(`${name}.weight`, layer.weight.shape, layer.weight.data), g.constant(`${name}.bias`, layer.bias.shape, layer.bias.data)], { transB: 1 }, output);
  // Dropout (classifier.4) is the identity at inference.
  gemm(g.node('HardSwish', [gemm(embedding, 'classifier.2', net.hidden)]), 'classifier.5', net.output, 'logits');
  g.output('logits', ['batch', net.classes]);
  g.output('embedding', ['batch', net.embeddingSize]);

  const name = opts.name ?? 'efficientat_mn';
  return g.encode({
    name,
    opset: 17,
    producer: 'onomato',
    producerVersion: ONNX_BUILDER_VERSION,
    metadata: { embedding_size: String(net.embeddingSize), classes: String(net.classes), ...opts.metadata },
  });
}

/** EfficientAT's channel squeeze-excitation: mean over (f, t), Linear, ReLU, Linear, sigmoid; as 1x1 convs. */
function squeezeExcitation(g: OnnxGraph, input: string, se: SqueezeExcitation): string {
  const asConv = (t: Tensor): number[] => [t.shape[0], t.shape[1], 1, 1];
  const pooled = g.node('GlobalAveragePool', [input]);
  const squeezed = g.node('Relu', [g.node('Conv', [pooled, g.constant(`${se.name}.fc1.weight`, asConv(se.fc1), se.fc1.data), g.constant(`${se.name}.fc1.bias`, [se.fc1Bias.length], se.fc1Bias)])]);
  return g.node('Sigmoid', [g.node('Conv', [squeezed, g.constant(`${se.name}.fc2.weight`, asConv(se.fc2), se.fc2.data), g.constant(`${se.name}.fc2.bias`, [se.fc2Bias.length], se.fc2Bias)])]);
}
