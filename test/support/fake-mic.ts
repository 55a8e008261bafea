import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAudio, downmix } from '../../src-main/engine/audio/decode.ts';

/**
 * A microphone without a sound card: ALSA's `file` plugin as the default capture device,
 * replaying a raw s16le file bit-exactly through naudiodon/PortAudio (see shared/ENVIRONMENT.md).
 * It feeds as fast as it is read (not real time) and gives silence after the file's end.
 * PortAudio reads the ALSA configuration once per process, so the process that records must be
 * started with HOME set to the returned folder.
 */
export function fakeMicHome(home: string, infile: string, rate: number, channels: number): string {
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, '.asoundrc'),
    `pcm.fileIn { type file; slave.pcm "null"; file "/dev/null"; infile "${infile}"; format "raw" }\n` +
      `pcm.!default { type plug; slave { pcm "fileIn"; format S16_LE; rate ${rate}; channels ${channels} } }\n`,
  );
  return home;
}

/**
 * Interleaves float channels into s16le, the way a sound card's driver would deliver them, with
 * `padSec` of silence after. Returns the channels as quantised, i.e. as the device will deliver them.
 */
export function writeRawS16(path: string, channels: Float32Array[], padSec: number, rate: number): Float32Array[] {
  const frames = channels[0].length + Math.round(padSec * rate);
  const pcm = new Int16Array(frames * channels.length);
  const quantised = channels.map(() => new Float32Array(frames));
  channels.forEach((ch, c) =>
    ch.forEach((v, i) => {
      const q = Math.max(-32768, Math.min(32767, Math.round(v * 32768)));
      pcm[i * channels.length + c] = q;
      quantised[c][i] = q / 32768;
    }),
  );
  writeFileSync(path, pcm);
  return quantised;
}

export interface FakeImitation {
  /** The HOME to start the recording process with. */
  home: string;
  /** The device's rate: the sound's own, so no resampling stands between the take and the sound. */
  rate: number;
  /** What the device delivers, mono, from its first sample (lead silence, the sound, tail silence). */
  fed: Float32Array;
  /** Where the sound starts in `fed`, in samples. */
  leadSamples: number;
}

/**
 * A fake microphone that "performs" a real library sound: the sound, decoded and downmixed to
 * mono at its own rate, with `leadSec` of silence before and `tailSec` after. A search with the
 * resulting take should find the sound itself.
 */
export async function fakeMicPlaying(dir: string, soundPath: string, leadSec: number, tailSec: number): Promise<FakeImitation> {
  const decoded = await decodeAudio(soundPath);
  const rate = decoded.sampleRate;
  const sound = downmix(decoded.channels);
  const leadSamples = Math.round(leadSec * rate);
  const withLead = new Float32Array(leadSamples + sound.length);
  withLead.set(sound, leadSamples);
  mkdirSync(dir, { recursive: true });
  const infile = join(dir, 'imitation.raw');
  const [fed] = writeRawS16(infile, [withLead], tailSec, rate);
  return { home: fakeMicHome(join(dir, 'home'), infile, rate, 1), rate, fed, leadSamples };
}
