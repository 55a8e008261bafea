import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { EngineError } from '../errors.ts';

export interface DownloadOptions {
  /** Expected sha256 (hex); the file is rejected when it differs. */
  sha256?: string;
  /** Expected size in bytes; the file is rejected when it differs. */
  bytes?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  maxRedirects?: number;
  /** How many times a dropped connection is picked up again where it stopped (default 4). */
  retries?: number;
  /** Wait before picking a dropped connection up again, in ms (default 1,000, doubling). */
  retryDelayMs?: number;
}

/** What the server said about the file, kept beside the partial download so a resume asks for the same one. */
interface PartRecord {
  url: string;
  total: number | null;
  etag: string | null;
  lastModified: string | null;
}

/**
 * Downloads `url` to `dest`, the one downloader for checkpoints and datasets. Bytes go to
 * `<dest>.part` (with `<dest>.part.json` saying which file they belong to); a dropped connection is
 * picked up where it stopped with an HTTP Range request, guarded by If-Range (the ETag, else the
 * Last-Modified date) so a file that changed on the server starts over instead of being spliced, and
 * where the server gives neither, by the total size. A cancelled or failed download keeps its
 * `.part` for the next try; only a file whose size and sha256 check out is renamed to `dest`, and
 * a file that fails them is deleted. Returns the file's sha256.
 */
export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<string> {
  const part = `${dest}.part`;
  const recordPath = `${part}.json`;
  const retries = opts.retries ?? 4;
  let delay = opts.retryDelayMs ?? 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      await attemptDownload(url, dest, part, recordPath, opts);
      return await verifyAndPlace(url, dest, part, recordPath, opts);
    } catch (e) {
      if (opts.signal?.aborted) {
        throw new EngineError('cancelled', `the download of ${url} was cancelled; what arrived is kept to resume from`, { file: dest, cause: e });
      }
      if (e instanceof EngineError) {
        if (e.kind !== 'truncated') throw e;
        if (attempt >= retries) throw e;
      } else if (attempt >= retries) {
        throw new EngineError('truncated', `could not download ${url} (${e instanceof Error ? e.message : String(e)}); what arrived is kept, and the next try resumes from it`, { file: dest, cause: e });
      }
    }
    await sleep(delay, opts.signal);
    delay *= 2;
  }
}

/** One request: resumes or starts the `.part` file and streams the rest of the file into it. */
async function attemptDownload(url: string, dest: string, part: string, recordPath: string, opts: DownloadOptions): Promise<void> {
  const record = await readRecord(recordPath);
  let have = record && record.url === url ? await sizeOf(part) : 0;
  if (!record || record.url !== url) await rm(part, { force: true });
  const headers: Record<string, string> = { 'user-agent': 'onomato' };
  if (record && have > 0) {
    headers.range = `bytes=${have}-`;
    const validator = record.etag && !record.etag.startsWith('W/') ? record.etag : record.lastModified;
    if (validator) headers['if-range'] = validator;
  }
  const response = await follow(url, headers, opts.maxRedirects ?? 5, dest, opts.signal);
  const status = response.statusCode ?? 0;

  if (status === 416 && record && have > 0) {
    // Nothing left to send: the part is whole if it matches the size the server gave before.
    response.resume();
    if (record.total !== null && have === record.total) return;
    await rm(part, { force: true });
    throw new EngineError('truncated', 'the server no longer offers the rest of the partial download; starting over', { file: dest });
  }
  let total: number | null;
  let append = false;
  if (status === 206 && record && have > 0) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(response.headers['content-range'] ?? ''));
    const whole = range && range[3] !== '*' ? Number(range[3]) : null;
    // Without If-Range validators, the size is what tells the same file from a changed one.
    if (!range || Number(range[1]) !== have || (record.total !== null && whole !== null && whole !== record.total)) {
      response.resume();
      await rm(part, { force: true });
      await rm(recordPath, { force: true });
      throw new EngineError('truncated', 'the server sent a different part of the file than was asked for; starting over', { file: dest });
    }
    total = whole ?? record.total;
    append = true;
  } else if (status === 200) {
    have = 0; // a fresh copy: the server ignored the range, or If-Range found that the file changed
    const length = response.headers['content-length'];
    total = length !== undefined ? Number(length) : null;
    await writeRecord(recordPath, {
      url, total,
      etag: header(response, 'etag'),
      lastModified: header(response, 'last-modified'),
    });
  } else {
    response.resume();
    throw new EngineError(status === 404 || status === 410 ? 'not-found' : 'internal', `could not download ${url} (the server answered ${status})`, { file: dest });
  }
  if (opts.bytes !== undefined && total !== null && total !== opts.bytes) {
    response.destroy();
    await discard(part, recordPath);
    throw new EngineError('corrupt', `the server offers ${total} bytes for ${url} where the catalogue expects ${opts.bytes}; this is not the published file, so nothing was kept`, { file: dest });
  }

  let done = have;
  const reportTotal = total ?? opts.bytes ?? 0;
  // Each chunk is on disk before the next is read, so a cancel or a dropped connection keeps every
  // byte that arrived (a connection closed early makes the loop throw, and the caller resumes).
  const out = await open(part, append ? 'a' : 'w');
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      opts.signal?.throwIfAborted();
      await out.write(chunk);
      done += chunk.length;
      opts.onProgress?.(done, reportTotal);
    }
  } finally {
    await out.close();
  }
  if (total !== null && done < total) {
    throw new EngineError('truncated', `the connection was closed after ${done} of ${total} bytes`, { file: dest });
  }
}

async function verifyAndPlace(url: string, dest: string, part: string, recordPath: string, opts: DownloadOptions): Promise<string> {
  const size = await sizeOf(part);
  if (opts.bytes !== undefined && size !== opts.bytes) {
    await discard(part, recordPath);
    throw new EngineError('corrupt', `the download of ${url} has ${size} bytes where ${opts.bytes} were expected; it was deleted`, { file: dest });
  }
  const digest = await sha256OfFile(part);
  if (opts.sha256 && digest !== opts.sha256.toLowerCase()) {
    await discard(part, recordPath);
    throw new EngineError('corrupt', `the download of ${url} does not match its published sha256 (got ${digest}); it is not the published file and was deleted`, { file: dest });
  }
  try {
    await rename(part, dest);
  } catch (e) {
    throw EngineError.from(e, dest);
  }
  await rm(recordPath, { force: true });
  return digest;
}

export function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (e) => reject(EngineError.from(e, path)))
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

function follow(url: string, headers: Record<string, string>, redirectsLeft: number, dest: string, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const parsed = new URL(url);
    const get = parsed.protocol === 'https:' ? httpsGet : parsed.protocol === 'http:' ? httpGet : undefined;
    if (!get) {
      reject(new EngineError('invalid-argument', `cannot download from ${url}: only http(s) is supported`, { file: dest }));
      return;
    }
    const request = get(parsed, { headers, signal }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirectsLeft <= 0) reject(new EngineError('internal', `could not download ${url} (too many redirects)`, { file: dest }));
        else resolve(follow(new URL(response.headers.location, url).toString(), headers, redirectsLeft - 1, dest, signal));
        return;
      }
      // An idle connection counts as a dropped one, and is resumed like one.
      response.setTimeout(60_000, () => response.destroy(new Error('no data for 60 s')));
      resolve(response);
    });
    request.setTimeout(60_000, () => request.destroy(new Error('no answer for 60 s')));
    request.on('error', reject);
  });
}

function header(response: IncomingMessage, name: string): string | null {
  const v = response.headers[name];
  return typeof v === 'string' && v ? v : null;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function readRecord(path: string): Promise<PartRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(path, 'utf8')) as PartRecord;
    return typeof r.url === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

async function writeRecord(path: string, record: PartRecord): Promise<void> {
  await writeFile(path, JSON.stringify(record));
}

async function discard(part: string, recordPath: string): Promise<void> {
  await rm(part, { force: true });
  await rm(recordPath, { force: true });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new EngineError('cancelled', 'the download was cancelled'));
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new EngineError('cancelled', 'the download was cancelled; what arrived is kept to resume from'));
    }, { once: true });
  });
}
