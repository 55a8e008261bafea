/**
 * Records one take in its own process, because PortAudio reads the ALSA configuration (the
 * test's fake capture device in $HOME/.asoundrc) once per process. Usage:
 *   HOME=<dir with .asoundrc> node --import tsx capture-child.ts '<ChildJob JSON>'
 * Writes a ChildReport as JSON to job.reportPath and the untrimmed take to job.recordedPath.
 */
import { writeFileSync } from 'node:fs';
import { listInputDevices } from '../../../src-main/engine/capture/devices.ts';
import { TakeRecorder, type TakeOptions } from '../../../src-main/engine/capture/recorder.ts';
import { trimSilence, type TrimOptions } from '../../../src-main/engine/capture/trim.ts';
import { saveTakeWav } from '../../../src-main/engine/capture/takes.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';

export interface ChildJob {
  reportPath: string;
  recordedPath: string;
  takesDir: string;
  take: TakeOptions;
  /** Calls stop() from the first level event at or past this many seconds of audio. */
  stopAfterSec?: number;
  trim?: TrimOptions;
}

export interface ChildReport {
  devices: ReturnType<typeof listInputDevices>;
  error?: { kind: string; message: string };
  start?: { device: string; sampleRate: number; channel: number };
  levels: { rms: number; peak: number; peakDb: number; elapsedSec: number; waveformPairs: number; wallMs: number }[];
  end?: { reason: string; message?: string; sampleRate: number; frames: number; wallMs: number };
  trimmed?: { startSec: number; endSec: number; frames: number };
  saved?: { path: string; durationSec: number };
}

const job = JSON.parse(process.argv[2]) as ChildJob;
const report: ChildReport = { devices: listInputDevices(), levels: [] };
const recorder = new TakeRecorder();
const t0 = performance.now();

recorder.on('level', (level) => {
  report.levels.push({
    rms: level.rms,
    peak: level.peak,
    peakDb: level.peakDb,
    elapsedSec: level.elapsedSec,
    waveformPairs: level.waveform.length / 2,
    wallMs: performance.now() - t0,
  });
  if (job.stopAfterSec !== undefined && level.elapsedSec >= job.stopAfterSec) recorder.stop();
});

recorder.on('end', (end) => {
  report.end = { reason: end.reason, message: end.message, sampleRate: end.sampleRate, frames: end.samples.length, wallMs: performance.now() - t0 };
  writeFileSync(job.recordedPath, end.samples);
  const trimmed = trimSilence(end.samples, end.sampleRate, job.trim);
  report.trimmed = { startSec: trimmed.startSec, endSec: trimmed.endSec, frames: trimmed.samples.length };
  const save = trimmed.samples.length
    ? saveTakeWav(job.takesDir, trimmed.samples, end.sampleRate, { device: end.device, trimmedFromSec: trimmed.startSec })
    : Promise.resolve(undefined);
  save
    .then((saved) => {
      if (saved) report.saved = saved;
      writeFileSync(job.reportPath, JSON.stringify(report));
    })
    .catch(fail);
});

function fail(err: unknown): void {
  const e = EngineError.from(err);
  report.error = { kind: e.kind, message: e.message };
  writeFileSync(job.reportPath, JSON.stringify(report));
}

recorder.start(job.take).then((start) => {
  report.start = { device: start.device.name, sampleRate: start.sampleRate, channel: start.channel };
}, fail);
