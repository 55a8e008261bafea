import { join } from 'node:path';
import { decodeAudio, downmix, loadMono32k, readAudioInfo } from '../../src-main/engine/audio/decode.ts';
import { resample } from '../../src-main/engine/audio/resample.ts';
import { sfxManifestPaths } from '../support/sfx.ts';
import type { BenchRow } from './row.ts';

/** The cheapest possible resampler (no anti-alias filter): the speed floor ours is compared with. */
function linearResample(x: Float32Array, from: number, to: number): Float32Array {
  const out = new Float32Array(Math.ceil((x.length * to) / from));
  const step = from / to;
  for (let n = 0; n < out.length; n++) {
    const t = n * step;
    const i = Math.floor(t);
    const f = t - i;
    out[n] = (x[i] ?? 0) * (1 - f) + (x[i + 1] ?? 0) * f;
  }
  return out;
}

async function time<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, performance.now() - t];
}

export async function run(lib: string): Promise<BenchRow[]> {
  const paths = sfxManifestPaths(lib).map((p) => join(lib, p));

  // Warm-up: page cache, WASM decoder instances, resampler tables.
  for (const p of paths) await loadMono32k(p, { maxSeconds: 10 });

  const [, infoMs] = await time(async () => {
    for (const p of paths) await readAudioInfo(p);
  });

  const byFormat = new Map<string, { ms: number; n: number; seconds: number }>();
  const monos: Array<{ x: Float32Array; rate: number }> = [];
  let decodeMs = 0;
  for (const p of paths) {
    const [d, ms] = await time(() => decodeAudio(p));
    decodeMs += ms;
    const f = byFormat.get(d.format) ?? { ms: 0, n: 0, seconds: 0 };
    byFormat.set(d.format, { ms: f.ms + ms, n: f.n + 1, seconds: f.seconds + d.durationSec });
    monos.push({ x: downmix(d.channels), rate: d.sampleRate });
  }
  const audioSeconds = [...byFormat.values()].reduce((a, f) => a + f.seconds, 0);

  let ours = 0;
  let linear = 0;
  for (const { x, rate } of monos) {
    ours += (await time(() => resample(x, rate, 32000)))[1];
    linear += (await time(() => linearResample(x, rate, 32000)))[1];
  }

  // Median of repeats: other processes share the 2 cores, and one slow run should not decide.
  const tenSeconds = new Float32Array(480_000).map((_, i) => Math.sin(i * 0.01) * 0.5);
  const median = async (fn: () => unknown): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < 21; i++) times.push((await time(fn))[1]);
    return times.sort((a, b) => a - b)[10];
  };
  const ten = await median(() => resample(tenSeconds, 48000, 32000));
  const tenLinear = await median(() => linearResample(tenSeconds, 48000, 32000));

  const [, mono32kMs] = await time(async () => {
    for (const p of paths) await loadMono32k(p, { maxSeconds: 10 });
  });

  const n = paths.length;
  const rows: BenchRow[] = [
    { metric: 'readAudioInfo per clip', value: infoMs / n, unit: 'ms', note: `${n} clips, headers only` },
    { metric: 'decode per clip (whole file)', value: decodeMs / n, unit: 'ms', note: `${audioSeconds.toFixed(0)} s of audio in ${n} clips` },
  ];
  for (const [format, f] of [...byFormat].sort()) {
    rows.push({ metric: `decode per clip: ${format}`, value: f.ms / f.n, unit: 'ms', note: `${f.n} clips, ${((f.seconds / f.ms) * 1000).toFixed(0)}x real time` });
  }
  rows.push(
    { metric: 'resample to 32 kHz per clip', value: ours / n, unit: 'ms', baseline: { name: 'linear interpolation, no filter', value: linear / n }, note: 'Kaiser polyphase, WASM SIMD' },
    { metric: 'resample 10 s 48 kHz mono -> 32 kHz (median)', value: ten, unit: 'ms', baseline: { name: 'linear interpolation, no filter', value: tenLinear } },
    { metric: 'loadMono32k (first 10 s), one thread', value: n / (mono32kMs / 1000), unit: 'clips/s', note: 'decode + downmix + resample' },
  );
  return rows;
}
