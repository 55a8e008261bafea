/**
 * Real audio through the real capture path: naudiodon2 -> PortAudio -> ALSA, where the default
 * capture device is ALSA's `file` plugin replaying a raw s16le file made at test time (see
 * shared/ENVIRONMENT.md, "Capture without a sound card"). Each take runs in a child process
 * with its own HOME/.asoundrc because PortAudio reads the ALSA configuration once per process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeAudio } from '../../../src-main/engine/audio/decode.ts';
import { compareAt } from '../../support/audio-signals.ts';
import { fakeMicHome, writeRawS16 } from '../../support/fake-mic.ts';
import type { ChildJob, ChildReport } from './capture-child.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const CHILD = fileURLToPath(new URL('./capture-child.ts', import.meta.url));
const root = suiteTempDir('onomato-capture-');

/** A home whose .asoundrc makes `infile` the default capture device, at this rate and width. */
function fakeCaptureHome(name: string, infile: string, rate: number, channels: number): string {
  return fakeMicHome(join(root, name), infile, rate, channels);
}

function runChild(home: string, job: Omit<ChildJob, 'reportPath' | 'recordedPath' | 'takesDir'>): ChildRun {
  const full: ChildJob = { ...job, reportPath: join(home, 'report.json'), recordedPath: join(home, 'recorded.f32'), takesDir: join(home, 'takes') };
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(full)], {
    env: { ...process.env, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { full, exited, stderr: () => stderr };
}

interface ChildRun {
  full: ChildJob;
  exited: Promise<number | null>;
  stderr: () => string;
}

async function finished(run: ChildRun): Promise<{ report: ChildReport; recorded: Float32Array }> {
  const code = await run.exited;
  if (code !== 0 || !existsSync(run.full.reportPath)) throw new Error(`capture child exited ${code}:\n${run.stderr().slice(-3000)}`);
  return readResults(run.full);
}

function readResults(job: ChildJob): { report: ChildReport; recorded: Float32Array } {
  const report = JSON.parse(readFileSync(job.reportPath, 'utf8')) as ChildReport;
  const bytes = existsSync(job.recordedPath) ? readFileSync(job.recordedPath) : Buffer.alloc(0);
  return { report, recorded: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)) };
}


/** Where in `source` the take sits best, searched within `radius` samples of `expected`. */
function align(take: Float32Array, source: Float32Array, expected: number, radius: number): { lag: number; r: number } {
  let best = { lag: -1, r: -Infinity };
  for (let lag = Math.max(0, expected - radius); lag <= expected + radius; lag++) {
    const { r } = compareAt(take, source, lag);
    if (r > best.r) best = { lag, r };
  }
  return best;
}

function chirp(rate: number, sec: number, f0: number, f1: number, amplitude: number): Float32Array {
  const n = Math.round(rate * sec);
  const fade = Math.round(rate * 0.01);
  const k = (f1 - f0) / sec;
  return new Float32Array(n).map((_, i) => {
    const t = i / rate;
    const env = Math.min(1, i / fade, (n - 1 - i) / fade);
    return amplitude * env * Math.sin(2 * Math.PI * (f0 * t + (k * t * t) / 2));
  });
}

function silence(rate: number, sec: number): Float32Array {
  return new Float32Array(Math.round(rate * sec));
}

function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('capture through an ALSA file device', () => {
  it('records the chosen channel sample-exactly, meters it, trims it and saves it', async () => {
    const rate = 48000;
    // Channel 1: 0.5 s silence, a 1.2 s chirp, 0.8 s silence. Channel 0: a hum that must not leak in.
    const voiced = concat(silence(rate, 0.5), chirp(rate, 1.2, 150, 3000, 0.5), silence(rate, 0.8));
    const hum = new Float32Array(voiced.length).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 100 * i) / rate));
    const raw = join(root, 'chirp.raw');
    const [, source] = writeRawS16(raw, [hum, voiced], 1, rate);
    const home = fakeCaptureHome('chirp', raw, rate, 2);

    const { report, recorded } = await finished(runChild(home, { take: { channel: 1, sampleRate: rate }, stopAfterSec: 2.5 }));

    expect(report.error).toBeUndefined();
    expect(report.devices.find((d) => d.isDefault)?.name).toBe('default');
    expect(report.start).toEqual({ device: 'default', sampleRate: rate, channel: 1 });
    expect(report.end?.reason).toBe('stopped');
    // Stopped from the level event that crossed 2.5 s: the take ends on that level's last sample.
    const block = recorded.length / report.levels.length;
    expect(recorded.length).toBeGreaterThanOrEqual(2.5 * rate);
    expect(recorded.length).toBeLessThan(2.5 * rate + block + 1);
    // The file device is bit-exact from its first sample: every recorded sample is the source's channel 1.
    let worst = 0;
    for (let i = 0; i < recorded.length; i++) worst = Math.max(worst, Math.abs(recorded[i] - source[i]));
    expect(worst).toBeLessThan(1e-6);

    // About 30 levels per second of audio, each with 10 waveform columns, silent before the chirp.
    expect(report.levels.length).toBe(Math.round((recorded.length / rate) * 30));
    expect(report.levels.every((l) => l.waveformPairs === 10)).toBe(true);
    // Nothing is reported after the take ended, although stop() came mid-chunk.
    expect(report.levels.at(-1)?.elapsedSec).toBe(recorded.length / rate);
    const beforeOnset = report.levels.filter((l) => l.elapsedSec <= 0.5);
    const onset = report.levels.findIndex((l) => l.elapsedSec > 0.5);
    expect(beforeOnset.length).toBe(15);
    expect(beforeOnset.every((l) => l.peak === 0 && l.peakDb === -120)).toBe(true);
    expect(report.levels[onset - 1].peak).toBe(0);
    expect(report.levels[onset].peak).toBeGreaterThan(0.45);
    expect(report.levels.filter((l) => l.elapsedSec > 0.55 && l.elapsedSec < 1.7).every((l) => l.peak > 0.45)).toBe(true);
    expect(report.levels.filter((l) => l.elapsedSec > 1.75).every((l) => l.peak === 0)).toBe(true);

    // Trimmed to the chirp plus 50 ms either side, saved as WAV, and it reads back as the source.
    expect(report.trimmed?.startSec).toBeCloseTo(0.45, 2);
    expect(report.trimmed?.endSec).toBeCloseTo(1.75, 2);
    const saved = report.saved!;
    expect(basename(saved.path)).toMatch(/^take-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(\.\d+)?Z-[0-9a-f]{6}\.wav$/);
    expect(saved.durationSec).toBeCloseTo(1.3, 2);
    const wav = await decodeAudio(saved.path);
    expect(wav.sampleRate).toBe(rate);
    expect(wav.channels.length).toBe(1);
    const take = wav.channels[0];
    expect(take.length / rate).toBeCloseTo(1.3, 2);
    const { lag, r } = align(take, source, Math.round(0.45 * rate), 480);
    expect(lag).toBe(Math.round(0.45 * rate));
    expect(r).toBeGreaterThan(0.9999);
  });

  it('stops by itself at the maximum length, counted in samples, with a spoken imitation', async () => {
    const rate = 44100;
    const dir = join(root, 'voice');
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('espeak-ng', ['-w', join(dir, 'voice.wav'), 'shhh whoosh, pshhhh']);
    const raw = join(dir, 'voice.raw');
    // 0.3 s of silence before the voice, 3 s after: more than the take can hold.
    execFileSync('sox', [join(dir, 'voice.wav'), '-r', String(rate), '-e', 'signed-integer', '-b', '16', '-c', '1', '-t', 'raw', raw, 'pad', '0.3', '3']);
    const bytes = readFileSync(raw);
    const source = Float32Array.from(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2), (v) => v / 32768);
    const home = fakeCaptureHome('voice', raw, rate, 1);

    const { report, recorded } = await finished(runChild(home, { take: { maxSeconds: 1.5 } }));

    expect(report.start?.sampleRate).toBe(rate); // the device's own default rate when none is asked for
    expect(report.end?.reason).toBe('max-length');
    expect(recorded.length).toBe(Math.round(1.5 * rate));
    expect(report.levels.at(-1)?.elapsedSec).toBe(1.5);

    const saved = report.saved!;
    const take = (await decodeAudio(saved.path)).channels[0];
    const startSec = report.trimmed!.startSec;
    // espeak-ng's voice starts within a few ms of the 0.3 s of padding; trimming keeps 50 ms before it.
    expect(startSec).toBeGreaterThan(0.2);
    expect(startSec).toBeLessThan(0.3);
    expect(take.length).toBe(report.trimmed!.frames);
    const { lag, r } = align(take, source, Math.round(startSec * rate), 441);
    expect(lag).toBe(Math.round(startSec * rate));
    expect(r).toBeGreaterThan(0.99);
  });

  it('ends the take as device-lost when the device stops delivering audio, keeping what came before', async () => {
    const rate = 16000;
    const dir = join(root, 'stall');
    execFileSync('mkdir', ['-p', dir]);
    const fifo = join(dir, 'device.fifo');
    execFileSync('mkfifo', [fifo]);
    const home = fakeCaptureHome('stall', fifo, rate, 1);
    const tone = new Float32Array(Math.round(1.8 * rate)).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate));
    const pcm = new Int16Array(tone.map((v) => Math.round(v * 32767)));

    // A named pipe as the device's input: it delivers the tone, then blocks while still open, as
    // a driver does whose hardware went away. Opened read-write so that neither opening it nor
    // PortAudio's probing (which opens and closes the device) can block or break the writer.
    const pipe = await open(fifo, 'r+');
    await pipe.write(new Uint8Array(pcm.buffer)); // 57.6 kB: fits the 64 kB pipe buffer
    const run = runChild(home, { take: { maxSeconds: 5, deviceTimeoutMs: 600 } });
    // The child writes its report from the `end` event; its stream can only close once the pipe does.
    for (let waited = 0; !existsSync(run.full.reportPath); waited += 50) {
      if (waited > 20_000) throw new Error(`no report from the capture child:\n${run.stderr().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await pipe.close();
    const { report, recorded } = await finished(run);

    expect(report.end?.reason).toBe('device-lost');
    expect(report.end?.message).toMatch(/"default" stopped delivering audio; it may have been unplugged\. The 1\.8 s recorded before that were kept\./);
    expect(report.end!.wallMs).toBeGreaterThan(600);
    // Everything the device delivered before it stalled is kept, sample for sample.
    expect(recorded.length).toBe(tone.length);
    let worst = 0;
    for (let i = 0; i < recorded.length; i++) worst = Math.max(worst, Math.abs(recorded[i] - pcm[i] / 32768));
    expect(worst).toBeLessThan(1e-6);
    expect(report.saved?.durationSec).toBeCloseTo(1.8, 2);
  });

  it('names the device when it asks for one that is not connected', async () => {
    const raw = join(root, 'missing.raw');
    writeRawS16(raw, [silence(48000, 0.1)], 0, 48000);
    const home = fakeCaptureHome('missing', raw, 48000, 1);
    const { report } = await finished(runChild(home, { take: { deviceId: 42 } }));
    expect(report.error).toEqual({ kind: 'device', message: 'input device #42 is not connected (it may have been unplugged); choose another input' });
    expect(report.end).toBeUndefined();
  });
});
