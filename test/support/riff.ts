/** Build WAV and AIFF files byte by byte, for headers no ordinary writer produces. */

export type Chunk = [id: string, body: Buffer];

/** RIFF/FORM chunk list; odd bodies get a pad byte unless `pad` is false (a buggy writer). */
export function chunks(list: Chunk[], bigEndian: boolean, pad = true): Buffer {
  return Buffer.concat(
    list.map(([id, body]) => {
      const head = Buffer.alloc(8);
      head.write(id, 0, 'latin1');
      if (bigEndian) head.writeUInt32BE(body.length, 4);
      else head.writeUInt32LE(body.length, 4);
      return Buffer.concat([head, body, pad && body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
    }),
  );
}

export function riffWave(list: Chunk[], opts: { pad?: boolean; riffSize?: number } = {}): Buffer {
  const body = chunks(list, false, opts.pad ?? true);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(opts.riffSize ?? body.length + 4, 4);
  head.write('WAVE', 8, 'latin1');
  return Buffer.concat([head, body]);
}

export function fmtChunk(o: { tag: number; channels: number; rate: number; bits: number; blockAlign?: number }): Chunk {
  const b = Buffer.alloc(16);
  const align = o.blockAlign ?? (o.channels * o.bits) / 8;
  b.writeUInt16LE(o.tag, 0);
  b.writeUInt16LE(o.channels, 2);
  b.writeUInt32LE(o.rate, 4);
  b.writeUInt32LE(o.rate * align, 8);
  b.writeUInt16LE(align, 12);
  b.writeUInt16LE(o.bits, 14);
  return ['fmt ', b];
}

/** WAVE_FORMAT_EXTENSIBLE with `subTag` as the first two bytes of the sub-format GUID. */
export function extensibleFmtChunk(o: { subTag: number; channels: number; rate: number; containerBits: number; validBits: number }): Chunk {
  const [, base] = fmtChunk({ tag: 0xfffe, channels: o.channels, rate: o.rate, bits: o.containerBits });
  const ext = Buffer.alloc(24);
  ext.writeUInt16LE(22, 0);
  ext.writeUInt16LE(o.validBits, 2);
  ext.writeUInt32LE(o.channels === 2 ? 3 : 4, 4);
  ext.writeUInt16LE(o.subTag, 8);
  Buffer.from('000000001000800000aa00389b71', 'hex').copy(ext, 10);
  return ['fmt ', Buffer.concat([base, ext])];
}

/** 80-bit IEEE extended, as AIFF stores its sample rate (positive integers only). */
export function extended80(value: number): Buffer {
  const b = Buffer.alloc(10);
  const exp = Math.floor(Math.log2(value));
  b.writeUInt16BE(16383 + exp, 0);
  const mant = BigInt(value) << BigInt(63 - exp);
  b.writeBigUInt64BE(mant, 2);
  return b;
}

export function aiff(o: { aifc?: string; channels: number; frames: number; bits: number; rate: number; data: Buffer; extra?: Chunk[] }): Buffer {
  const comm = Buffer.alloc(o.aifc ? 24 : 18);
  comm.writeUInt16BE(o.channels, 0);
  comm.writeUInt32BE(o.frames, 2);
  comm.writeUInt16BE(o.bits, 6);
  extended80(o.rate).copy(comm, 8);
  if (o.aifc) {
    comm.write(o.aifc, 18, 'latin1');
    comm.writeUInt16BE(0, 22); // empty Pascal string name, padded
  }
  const ssnd = Buffer.concat([Buffer.alloc(8), o.data]);
  const body = chunks([...(o.aifc ? ([['FVER', Buffer.from([0xa2, 0x80, 0x51, 0x40])]] as Chunk[]) : []), ['COMM', comm], ...(o.extra ?? []), ['SSND', ssnd]], true);
  const head = Buffer.alloc(12);
  head.write('FORM', 0, 'latin1');
  head.writeUInt32BE(body.length + 4, 4);
  head.write(o.aifc ? 'AIFC' : 'AIFF', 8, 'latin1');
  return Buffer.concat([head, body]);
}

/** A mono IEEE-float WAV of exactly these samples (NaN and infinity included, which no ordinary writer keeps). */
export function floatWav(samples: Float32Array | Float64Array, rate: number, bits: 32 | 64): Buffer {
  const data = Buffer.alloc(samples.length * (bits / 8));
  samples.forEach((x, i) => (bits === 32 ? data.writeFloatLE(x, i * 4) : data.writeDoubleLE(x, i * 8)));
  return riffWave([fmtChunk({ tag: 3, channels: 1, rate, bits }), ['data', data]]);
}
