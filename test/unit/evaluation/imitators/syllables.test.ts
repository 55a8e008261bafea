import { describe, expect, it } from 'vitest';
import { analyseReference, IMITATION_SAMPLE_RATE } from '../../../../src-main/engine/evaluation/imitators/analysis.ts';
import { spokenEvents, syllablesFamily } from '../../../../src-main/engine/evaluation/imitators/syllables.ts';
import { splitmix32 } from '../../../../src-main/engine/random.ts';
import { REFERENCE_RATE, shareAbove } from './imitator-checks.ts';

const seconds = (s: number): Float32Array => new Float32Array(Math.round(s * REFERENCE_RATE));

/** White noise, high-passed by a double difference (bright) or low-passed by a slow one-pole (dark), under an envelope. */
function noise(length: number, bright: boolean, envelope: (t: number) => number, pad = 0.1): Float32Array {
  const x = seconds(length + 2 * pad);
  const rand = splitmix32(17);
  let a = 0;
  let b = 0;
  let low = 0;
  for (let i = 0; i < length * REFERENCE_RATE; i++) {
    const w = rand() * 2 - 1;
    low += 0.03 * (w - low);
    x[i + pad * REFERENCE_RATE] = envelope(i / REFERENCE_RATE) * (bright ? 0.4 * (w - 2 * a + b) : 3 * low);
    b = a;
    a = w;
  }
  return x;
}

/** A tone falling from 1500 to 500 Hz over `length`, starting at full level. */
function fallingZap(length: number): Float32Array {
  const x = seconds(length + 0.2);
  let phase = 0;
  for (let i = 0; i < length * REFERENCE_RATE; i++) {
    phase += (1500 * 3 ** -(i / (length * REFERENCE_RATE))) / REFERENCE_RATE;
    x[i + 0.1 * REFERENCE_RATE] = 0.6 * Math.sin(2 * Math.PI * phase);
  }
  return x;
}

describe('the syllables imitator', () => {
  it('picks the word a person would say from how each event starts, moves, and sounds', () => {
    const word = (x: Float32Array): string[] => spokenEvents(analyseReference(x)).map((e) => e.syllable);
    expect(word(noise(0.6, true, () => 1))).toEqual(['tsss']);
    expect(word(noise(0.6, true, (t) => Math.min(1, t / 0.2)))).toEqual(['shhh']);
    expect(word(noise(0.04, true, () => 1))).toEqual(['tk']);
    expect(word(noise(0.8, false, (t) => Math.exp(-t / 0.25)))).toEqual(['boom']);
    expect(word(fallingZap(0.4))).toEqual(['pew']);
  });

  it('says them with its own voice: "tsss" is hiss above 4 kHz, "boom" is voiced and low', () => {
    for (const seed of [1, 2, 3]) {
      const say = (x: Float32Array): Float32Array => {
        const rand = splitmix32(seed);
        return syllablesFamily.synthesise(analyseReference(x), { ...syllablesFamily.draw(rand), onsetSec: 0.1 }, rand);
      };
      const from = Math.round(0.25 * IMITATION_SAMPLE_RATE);
      const to = Math.round(0.55 * IMITATION_SAMPLE_RATE);
      expect(shareAbove(say(noise(0.6, true, () => 1)), from, to, 4000), `seed ${seed}`).toBeGreaterThan(0.6);
      expect(shareAbove(say(noise(0.8, false, (t) => Math.exp(-t / 0.25))), from, to, 1000), `seed ${seed}`).toBeLessThan(0.1);
    }
  });
});
