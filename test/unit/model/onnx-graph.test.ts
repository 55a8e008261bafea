import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { buildOnnx, describeMobileNet } from '../../../src-main/engine/model/mobilenet.ts';
import { OnnxGraph } from '../../../src-main/engine/model/onnx-builder.ts';
import { ProtoWriter } from '../../../src-main/engine/model/protobuf.ts';
import { maxAbsDiff } from '../../support/audio-signals.ts';
import { cosine, fixtureF32, fixtureJson, type ParityFixture } from './fixture-files.ts';
import { makeDivisible, syntheticMobileNet } from './synthetic-mobilenet.ts';

const hardswish = (x: number) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6;

describe('protobuf writer', () => {
  it('encodes varints, negative int64 and length-delimited fields as the wire format defines', () => {
    expect(Array.from(new ProtoWriter().varint(1, 300).finish())).toEqual([0x08, 0xac, 0x02]);
    expect(Array.from(new ProtoWriter().varint(2, -1).finish())).toEqual([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(Array.from(new ProtoWriter().string(3, 'hi').finish())).toEqual([0x1a, 2, 0x68, 0x69]);
    expect(Array.from(new ProtoWriter().message(20, new ProtoWriter().varint(1, 1)).finish())).toEqual([0xa2, 0x01, 2, 0x08, 0x01]);
  });
});

describe('ONNX graph encoder', () => {
  it('produces a model onnxruntime loads and runs with dynamic dimensions', async () => {
    const g = new OnnxGraph();
    const x = g.input('x', ['batch', 2, 'h', 'w']);
    const conv = g.node('Conv', [x, g.constant('w', [3, 2, 1, 1], Float32Array.of(1, 2, -1, 0.5, 0, 3)), g.constant('b', [3], Float32Array.of(0.5, -1, 2))], {
      kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], group: 1,
    });
    g.node('Flatten', [g.node('GlobalAveragePool', [g.node('HardSwish', [conv])])], { axis: 1 }, 'y');
    g.output('y', ['batch', 3]);
    const session = await ort.InferenceSession.create(g.encode({ name: 't', opset: 17, producer: 'test', producerVersion: '0' }));
    const input = Float32Array.of(1, -2, 0.25, 4, /* channel 1 */ 3, 1, -1, 0.5, /* item 2 */ 0, 0, 0, 0, 1, 1, 1, 1);
    const out = (await session.run({ x: new ort.Tensor('float32', input, [2, 2, 2, 2]) })).y;
    expect(out.dims).toEqual([2, 3]);
    const w = [[1, 2], [-1, 0.5], [0, 3]], b = [0.5, -1, 2];
    for (let n = 0; n < 2; n++) for (let o = 0; o < 3; o++) {
      let sum = 0;
      for (let p = 0; p < 4; p++) sum += hardswish(w[o][0] * input[n * 8 + p] + w[o][1] * input[n * 8 + 4 + p] + b[o]);
      expect((out.data as Float32Array)[n * 3 + o]).toBeCloseTo(sum / 4, 5);
    }
    await session.release();
  });
});

describe('EfficientAT MobileNet builder', () => {
  it('infers the width from the tensors: embedding 6 x make_divisible(160 w) for any width multiplier', () => {
    for (const width of [0.1, 0.4, 0.5, 1.0]) {
      const net = describeMobileNet(syntheticMobileNet(width));
      expect(net.embeddingSize).toBe(6 * makeDivisible(160 * width));
      expect(net.classes).toBe(527);
      expect(net.blocks.filter((b) => b.residual)).toHaveLength(10);
      expect(net.blocks.filter((b) => b.se)).toHaveLength(8);
    }
  });

  it('matches PyTorch on an mn10-shaped (width 1.0) network', async () => {
    const fixture = fixtureJson<ParityFixture>('parity.json').synthetic;
    const state = syntheticMobileNet(fixture.width, fixture.seed);
    const session = await ort.InferenceSession.create(buildOnnx(state));
    const out = await session.run({ logmel: new ort.Tensor('float32', fixtureF32(fixture.input.file), fixture.input.shape) });
    expect(out.embedding.dims).toEqual([1, 960]);
    expect(cosine(out.embedding.data as Float32Array, fixtureF32(fixture.embedding.file))).toBeGreaterThanOrEqual(0.9999);
    // Random weights drive these logits to a few hundred, so float32 rounding is judged relative to their range.
    const reference = fixtureF32(fixture.logits.file);
    const range = Math.max(...reference.map(Math.abs));
    expect(range).toBeGreaterThan(1);
    expect(maxAbsDiff(out.logits.data as Float32Array, reference) / range).toBeLessThanOrEqual(1e-4);
    await session.release();
  });

  it('refuses variants it would get wrong, naming what differs', () => {
    const noSe = syntheticMobileNet(0.4);
    for (const k of [...noSe.keys()]) {
      if (k.startsWith('features.4.block.2.')) noSe.delete(k);
      if (k.startsWith('features.4.block.3.')) {
        noSe.set(k.replace('block.3.', 'block.2.'), noSe.get(k)!);
        noSe.delete(k);
      }
    }
    expect(() => buildOnnx(noSe)).toThrow(/block 4 lacks squeeze-excitation/);

    const kernel = syntheticMobileNet(0.4);
    kernel.set('features.4.block.1.0.weight', { shape: [32, 1, 3, 3], data: new Float32Array(32 * 9) });
    expect(() => buildOnnx(kernel)).toThrow(/block 4 has a 3x3 depthwise kernel where MobileNetV3 has 5x5/);

    const fcHead = syntheticMobileNet(0.4);
    fcHead.set('classifier.1.bias', { shape: [527], data: new Float32Array(527) });
    expect(() => buildOnnx(fcHead)).toThrow(/fully-convolutional/);

    const missing = syntheticMobileNet(0.4);
    missing.delete('features.16.1.running_var');
    try {
      buildOnnx(missing);
      throw new Error('expected a failure');
    } catch (e) {
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).kind).toBe('model');
      expect((e as EngineError).message).toMatch(/features\.16\.1\.running_var/);
    }
  });
});
