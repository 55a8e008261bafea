import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EngineError } from './errors.ts';

/**
 * Writes a file atomically: the bytes go to a hidden temporary file beside the target, are synced
 * to disk and only then renamed over it, so a crash or a full disk never leaves half a file
 * (takes, renders, ONNX builds, exported model versions all go through here). A failure removes
 * the temporary file and throws an EngineError naming the target ('disk-full' on ENOSPC).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(tmp, 'wx');
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw EngineError.from(err, path);
  }
}
