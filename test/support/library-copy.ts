import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sfxManifestPaths } from './sfx.ts';

/**
 * Copies `count` clips of the small SFX library into `dest`, spread over its sources and
 * formats (every k-th line of the manifest), keeping their relative paths. Returns the copied
 * relative paths. Tests edit, move and delete the copies, never the cached library.
 */
export function copySfxSubset(library: string, dest: string, count: number): string[] {
  const paths = sfxManifestPaths(library);
  const step = Math.max(1, Math.floor(paths.length / count));
  const picked = paths.filter((_, i) => i % step === 0).slice(0, count);
  for (const rel of picked) {
    mkdirSync(dirname(join(dest, rel)), { recursive: true });
    cpSync(join(library, rel), join(dest, rel));
  }
  return picked;
}

/** Broken files a real library has: empty, cut-off header, noise with an audio name, text. */
export function writeCorruptFiles(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, Buffer][] = [
    ['empty.wav', Buffer.alloc(0)],
    ['cut-header.wav', Buffer.from('RIFF\x24\x08\x00\x00WAVEfmt ', 'latin1')],
    ['noise.ogg', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251))],
    ['readme-not-audio.flac', Buffer.from('This is a text file that someone named .flac\n'.repeat(20))],
  ];
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
  return files.map(([name]) => join(dir, name));
}
