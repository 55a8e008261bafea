import type { SoundMetadata } from './types.ts';

const FIELDS: Record<string, keyof SoundMetadata> = {
  TITLE: 'title',
  ARTIST: 'artist',
  COMMENT: 'comment',
  DESCRIPTION: 'description',
  DATE: 'originationDate',
  ORGANIZATION: 'originator',
};

/** A Vorbis comment block (FLAC VORBIS_COMMENT, Vorbis/Opus comment header) starting at `offset`. */
export function vorbisComments(b: Buffer, offset: number): SoundMetadata {
  const metadata: SoundMetadata = {};
  let p = offset;
  const u32 = (): number => {
    if (p + 4 > b.length) throw new RangeError('comment block ends early');
    const v = b.readUInt32LE(p);
    p += 4;
    return v;
  };
  try {
    const vendorLength = u32();
    p += vendorLength;
    const count = u32();
    for (let i = 0; i < count && p < b.length; i++) {
      const len = u32();
      const text = b.toString('utf8', p, Math.min(b.length, p + len));
      p += len;
      const eq = text.indexOf('=');
      const key = FIELDS[text.slice(0, eq).toUpperCase()];
      if (eq > 0 && key && metadata[key] === undefined) metadata[key] = text.slice(eq + 1);
    }
  } catch {
    // A damaged comment block costs the tags, not the sound.
  }
  return metadata;
}
