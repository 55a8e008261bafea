import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudio, readAudioInfo } from '../../../src-main/engine/audio/decode.ts';
import { writeWav } from '../../../src-main/engine/audio/wav-write.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { sine } from '../../support/audio-signals.ts';
import { withTempDir } from '../../support/temp-dir.ts';
import { aiff, extensibleFmtChunk, fmtChunk, riffWave, type Chunk } from '../../support/riff.ts';

/** Samples that a `bits`-bit integer format stores exactly: k / 2^(bits-1). */
function quantised(x: Float32Array, bits: number): Float32Array {
  const scale = 2 ** (bits - 1);
  return x.map((v) => Math.max(-scale, Math.min(scale - 1, Math.round(v * scale))) / scale);
}

async function expectKind(promise: Promise<unknown>, kind: string, path: string): Promise<EngineError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  expect((err as EngineError).kind).toBe(kind);
  expect((err as EngineError).message).toContain(path);
  return err as EngineError;
}

describe('writeWav -> decodeAudio round trip', () => {
  const left = sine(440, 48000, 4800, 0.8);
  const right = sine(3000, 48000, 4800, -0.5);

  it.each([16, 24, 32] as const)('PCM %i-bit keeps every sample, the rate and the BWF description', async (bits) => {
    await withTempDir(async (dir) => {
      const path = join(dir, `take ${bits}.wav`);
      await writeWav(path, { channels: [left, right], sampleRate: 48000, bitDepth: bits, description: 'Door slam, heavy — wood', originator: 'Onomato' });
      const d = await decodeAudio(path);
      expect(d).toMatchObject({ format: 'wav', sampleRate: 48000, bitDepth: bits, durationSec: 0.1, warnings: [] });
      expect(d.metadata.description).toBe('Door slam, heavy — wood');
      expect(d.metadata.originator).toBe('Onomato');
      expect(d.metadata.originationDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      // 32-bit integers exceed float32 precision, so compare at the precision float32 can carry.
      const want = bits === 32 ? [left, right] : [quantised(left, bits), quantised(right, bits)];
      for (let c = 0; c < 2; c++) for (let i = 0; i < 4800; i += 7) expect(d.channels[c][i]).toBeCloseTo(want[c][i], bits === 32 ? 7 : 9);
      expect(await readdir(dir)).toEqual([`take ${bits}.wav`]);
    });
  });

  it('float32 is bit exact and carries values beyond full scale', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'f.wav');
      const loud = left.map((v) => v * 2);
      await writeWav(path, { channels: [loud], sampleRate: 96000, bitDepth: 32, float: true });
      const d = await decodeAudio(path);
      expect(d.channels[0]).toEqual(loud);
      expect(d.metadata).toEqual({});
      expect(await readAudioInfo(path)).toEqual({ format: 'wav', sampleRate: 96000, channels: 1, bitDepth: 32, durationSec: 0.05, metadata: {} });
    });
  });

  it('replaces an existing file whole and refuses impossible requests', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'x.wav');
      await writeFile(path, 'old contents');
      await writeWav(path, { channels: [left], sampleRate: 48000, bitDepth: 16 });
      expect((await decodeAudio(path)).channels[0].length).toBe(4800);
      await expectKind(writeWav(path, { channels: [left], sampleRate: 48000, bitDepth: 24, float: true }), 'invalid-argument', path);
      await expectKind(writeWav(path, { channels: [left, right.subarray(1)], sampleRate: 48000, bitDepth: 16 }), 'invalid-argument', path);
      const missing = join(dir, 'no such folder', 'y.wav');
      await expectKind(writeWav(missing, { channels: [left], sampleRate: 48000, bitDepth: 16 }), 'not-found', missing);
      expect(await readdir(dir)).toEqual(['x.wav']);
    });
  });
});

describe('WAV variants', () => {
  const write = async (dir: string, name: string, bytes: Buffer): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  };

  it('reads 8-bit unsigned PCM', async () => {
    await withTempDir(async (dir) => {
      const path = await write(dir, 'u8.wav', riffWave([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 8 }), ['data', Buffer.from([0, 64, 128, 255, 200])]]));
      const d = await decodeAudio(path);
      expect(Array.from(d.channels[0])).toEqual([-1, -0.5, 0, 127 / 128, 72 / 128]);
      expect(d.bitDepth).toBe(8);
    });
  });

  it('reads 64-bit float and 24-bit PCM in a 32-bit WAVE_FORMAT_EXTENSIBLE container', async () => {
    await withTempDir(async (dir) => {
      const f64 = Buffer.alloc(16);
      f64.writeDoubleLE(0.25, 0);
      f64.writeDoubleLE(-0.75, 8);
      const a = await decodeAudio(await write(dir, 'f64.wav', riffWave([fmtChunk({ tag: 3, channels: 2, rate: 44100, bits: 64 }), ['data', f64]])));
      expect([a.channels[0][0], a.channels[1][0]]).toEqual([0.25, -0.75]);
      expect(a.bitDepth).toBe(64);

      const s = Buffer.alloc(8);
      s.writeInt32LE(0x40000000, 0); // 0.5 with the low byte unused
      s.writeInt32LE(-0x7fffff00 - 0x100, 4); // -1
      const b = await decodeAudio(await write(dir, 'ext.wav', riffWave([extensibleFmtChunk({ subTag: 1, channels: 2, rate: 48000, containerBits: 32, validBits: 24 }), ['data', s]])));
      expect([b.channels[0][0], b.channels[1][0]]).toEqual([0.5, -1]);
      expect(b.bitDepth).toBe(24);

      const fl = Buffer.alloc(4);
      fl.writeFloatLE(0.125, 0);
      const c = await decodeAudio(await write(dir, 'extf.wav', riffWave([extensibleFmtChunk({ subTag: 3, channels: 1, rate: 48000, containerBits: 32, validBits: 32 }), ['data', fl]])));
      expect(c.channels[0][0]).toBe(0.125);
    });
  });

  it('walks odd-sized chunks (padded or not) and reads LIST INFO, bext and iXML wherever they sit', async () => {
    await withTempDir(async (dir) => {
      const pcm = Buffer.alloc(2 * 1000);
      for (let i = 0; i < 1000; i++) pcm.writeInt16LE(i, 2 * i);
            const sub = (id: string, text: string): Buffer => {
        const body = Buffer.from(`${text}\0`, 'latin1');
        const h = Buffer.alloc(8);
        h.write(id, 0, 'latin1');
        h.writeUInt32LE(body.length, 4);
        return Buffer.concat([h, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
      };
      const list = Buffer.concat([Buffer.from('INFO'), sub('INAM', 'Glass break'), sub('IART', 'Foley team'), sub('ICMT', 'close mic')]);
      const bext = Buffer.alloc(602);
      bext.write('Bottle smash on concrete', 0, 'latin1');
      bext.write('Recorder X', 256, 'latin1');
      bext.write('2024-05-01', 320, 'latin1');
      const layout: Chunk[] = [
        ['junk', Buffer.from([1, 2, 3])],
        fmtChunk({ tag: 1, channels: 1, rate: 44100, bits: 16 }),
        ['bext', bext],
        ['data', pcm],
        ['LIST', list],
        ['iXML', Buffer.from('<BWFXML><NOTE>take 3</NOTE></BWFXML>')],
      ];
      for (const pad of [true, false]) {
        const d = await decodeAudio(await write(dir, `meta-${pad}.wav`, riffWave(layout, { pad })));
        expect(d.channels[0].length).toBe(1000);
        expect(d.channels[0][999]).toBe(999 / 32768);
        expect(d.metadata).toEqual({
          description: 'Bottle smash on concrete',
          originator: 'Recorder X',
          originationDate: '2024-05-01',
          title: 'Glass break',
          artist: 'Foley team',
          comment: 'close mic',
          ixml: '<BWFXML><NOTE>take 3</NOTE></BWFXML>',
        });
      }
    });
  });

  it('decodes only maxSeconds but reports the whole duration', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'long.wav');
      await writeWav(path, { channels: [sine(100, 8000, 8000 * 30)], sampleRate: 8000, bitDepth: 16 });
      const d = await decodeAudio(path, { maxSeconds: 2.5 });
      expect(d.channels[0].length).toBe(20000);
      expect(d.durationSec).toBe(30);
    });
  });

  it('stops when its signal is aborted', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'a.wav');
      await writeWav(path, { channels: [sine(100, 8000, 800)], sampleRate: 8000, bitDepth: 16 });
      await expectKind(decodeAudio(path, { signal: AbortSignal.abort() }), 'cancelled', path);
    });
  });
});

describe('AIFF and AIFC', () => {
  const be16 = (values: number[]): Buffer => {
    const b = Buffer.alloc(values.length * 2);
    values.forEach((v, i) => b.writeInt16BE(v, 2 * i));
    return b;
  };

  it.each([
    ['AIFF 16-bit', undefined, 16, be16([16384, -32768, 1, 2])],
    ['AIFC NONE', 'NONE', 16, be16([16384, -32768, 1, 2])],
    ['AIFC sowt (little-endian)', 'sowt', 16, Buffer.from(Array.from(be16([16384, -32768, 1, 2])).map((_, i, a) => a[i ^ 1]))],
  ])('%s', async (_name, aifc, bits, data) => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'x.aif');
      await writeFile(path, aiff({ aifc, channels: 2, frames: 2, bits, rate: 22254, data, extra: [['NAME', Buffer.from('Creak')]] }));
      const d = await decodeAudio(path);
      expect(d).toMatchObject({ format: 'aiff', sampleRate: 22254, bitDepth: 16, metadata: { title: 'Creak' }, warnings: [] });
      expect(Array.from(d.channels[0])).toEqual([0.5, 1 / 32768]);
      expect(Array.from(d.channels[1])).toEqual([-1, 2 / 32768]);
    });
  });

  it('reads fl32 and fl64 big-endian float at 44.1 kHz', async () => {
    await withTempDir(async (dir) => {
      const f32 = Buffer.alloc(8);
      f32.writeFloatBE(0.25, 0);
      f32.writeFloatBE(-2, 4);
      const f64 = Buffer.alloc(16);
      f64.writeDoubleBE(0.25, 0);
      f64.writeDoubleBE(-2, 8);
      for (const [type, data, bits] of [['fl32', f32, 32], ['fl64', f64, 64]] as const) {
        const path = join(dir, `${type}.aifc`);
        await writeFile(path, aiff({ aifc: type, channels: 1, frames: 2, bits, rate: 44100, data }));
        const d = await decodeAudio(path);
        expect(d.sampleRate).toBe(44100);
        expect(d.bitDepth).toBe(bits);
        expect(Array.from(d.channels[0])).toEqual([0.25, -2]);
      }
    });
  });

  it('refuses compressed AIFC by name', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'ulaw.aifc');
      await writeFile(path, aiff({ aifc: 'ulaw', channels: 1, frames: 4, bits: 16, rate: 8000, data: Buffer.alloc(4) }));
      const err = await expectKind(decodeAudio(path), 'unsupported-format', path);
      expect(err.message).toContain('ulaw');
    });
  });
});
