import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { EngineError } from '../errors.ts';

export interface DownloadOptions {
  /** Expected sha256 (hex); the file is rejected when it differs. */
  sha256?: string;
  /** Expected size in bytes; the file is rejected when it differs. */
  bytes?: number;
  onProgress?: (done: number, total: number) => void;
  maxRedirects?: number;
}

/**
 * Downloads `url` to `dest` through a temporary file beside it, hashing as it goes, and renames it
 * into place only once size and digest check out, so an interrupted or tampered download never
 * looks like a finished one. Follows redirects (GitHub release files live behind one). Returns the
 * file's sha256.
 */
export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<string> {
  const part = `${dest}.${process.pid}.part`;
  try {
    const response = await follow(url, opts.maxRedirects ?? 5, dest);
    const total = Number(response.headers['content-length'] ?? opts.bytes ?? 0);
    const hash = createHash('sha256');
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(part);
      response.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        done += chunk.length;
        opts.onProgress?.(done, total);
      });
      response.on('error', reject);
      response.on('aborted', () => reject(new Error('the connection was closed early')));
      out.on('error', reject);
      out.on('finish', resolve);
      response.pipe(out);
    });
    const digest = hash.digest('hex');
    if (opts.bytes !== undefined && done !== opts.bytes) {
      throw new EngineError('model', `the download of ${url} has ${done} bytes where ${opts.bytes} were expected`, { file: dest });
    }
    if (opts.sha256 && digest !== opts.sha256.toLowerCase()) {
      throw new EngineError('model', `the download of ${url} does not match its published sha256 (got ${digest})`, { file: dest });
    }
    await rename(part, dest);
    return digest;
  } catch (e) {
    await rm(part, { force: true });
    if (e instanceof EngineError) throw e;
    throw new EngineError('model', `could not download ${url} (${e instanceof Error ? e.message : String(e)})`, { file: dest, cause: e });
  }
}

function follow(url: string, redirectsLeft: number, dest: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const parsed = new URL(url);
    const get = parsed.protocol === 'https:' ? httpsGet : parsed.protocol === 'http:' ? httpGet : undefined;
    if (!get) {
      reject(new EngineError('model', `cannot download from ${url}: only http(s) is supported`, { file: dest }));
      return;
    }
    const request = get(parsed, { headers: { 'user-agent': 'onomato' } }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirectsLeft <= 0) reject(new Error('too many redirects'));
        else resolve(follow(new URL(response.headers.location, url).toString(), redirectsLeft - 1, dest));
        return;
      }
      if (status !== 200) {
        response.resume();
        reject(new Error(`the server answered ${status}`));
        return;
      }
      resolve(response);
    });
    request.setTimeout(60_000, () => request.destroy(new Error('no answer for 60 s')));
    request.on('error', reject);
  });
}
