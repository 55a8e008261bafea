import { readFileSync } from 'node:fs';

/**
 * Reads the committed fixture WAVs (mono, 16-bit PCM or 32-bit float) the way soundfile reads
 * them for the torch reference, so both sides see the same float32 samples. Kept here rather
 * than using the engine's decoder so the front-end test pins the front end alone.
 */
export function readFixtureWav(path: string): Float32Array {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path}: not a RIFF/WAVE file`);
  }
  let format = 0;
  let bits = 0;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      format = view.getUint16(body, true);
      if (view.getUint16(body + 2, true) !== 1) throw new Error(`${path}: fixtures are mono`);
      bits = view.getUint16(body + 14, true);
      if (format === 0xfffe) format = view.getUint16(body + 24, true);
    } else if (id === 'data') {
      const count = size / (bits / 8);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        if (format === 1 && bits === 16) out[i] = view.getInt16(body + 2 * i, true) / 32768;
        else if (format === 3 && bits === 32) out[i] = view.getFloat32(body + 4 * i, true);
        else throw new Error(`${path}: format ${format}/${bits} bits is not a fixture format`);
      }
      return out;
    }
    at = body + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}
