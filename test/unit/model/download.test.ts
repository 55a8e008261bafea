import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { download } from '../../../src-main/engine/model/download.ts';
import { startFileServer, type FileServer } from '../../support/file-server.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const body = Buffer.from(Array.from({ length: 600_000 }, (_, i) => (i * 31 + (i >> 9)) & 0xff));
const digest = createHash('sha256').update(body).digest('hex');
let server: FileServer;
const dir = suiteTempDir('onomato-download-');
const fast = { retryDelayMs: 10 };

beforeAll(async () => {
  server = await startFileServer({ '/objects/model.pt': { body } });
});
afterAll(async () => {
  await server.close();
});

function leftovers(): string[] {
  return readdirSync(dir).filter((f) => f.includes('.part'));
}

describe('downloads', () => {
  it('follows a redirect, reports progress and verifies size and sha256', async () => {
    const progress: Array<[number, number]> = [];
    const dest = join(dir, 'ok.pt');
    const sha = await download(server.url('/redirect/objects/model.pt'), dest, { sha256: digest, bytes: body.length, onProgress: (d, t) => progress.push([d, t]) });
    expect(sha).toBe(digest);
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(progress.at(-1)).toEqual([body.length, body.length]);
    expect(progress.length).toBeGreaterThan(1);
    expect(leftovers()).toEqual([]);
  });

  it('resumes a connection dropped mid-file with a Range request guarded by the ETag', async () => {
    server.files.set('/drop.zip', { body, dropAfter: 250_000, dropTimes: 1 });
    server.requests.length = 0;
    const dest = join(dir, 'dropped.zip');
    const sha = await download(server.url('/drop.zip'), dest, { sha256: digest, bytes: body.length, ...fast });
    expect(sha).toBe(digest);
    expect(readFileSync(dest).equals(body)).toBe(true);
    const [first, second] = server.requests;
    expect(server.requests).toHaveLength(2);
    expect(first.headers.range).toBeUndefined();
    // The resume starts where the bytes on disk end: at most where the server cut (Node drops what it
    // had buffered but not yet handed over when a connection dies), never past it.
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(String(second.headers.range))?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(250_000);
    expect(second.headers['if-range']).toMatch(/^"[0-9a-f]{16}"$/);
    expect(second.status).toBe(206);
    expect(second.sent).toBe(body.length - resumedAt);
  });

  it('keeps a cancelled download as a .part that the next try resumes; nothing looks complete meanwhile', async () => {
    server.files.set('/slow.zip', { body });
    server.requests.length = 0;
    const dest = join(dir, 'cancelled.zip');
    const controller = new AbortController();
    const error = await download(server.url('/slow.zip'), dest, {
      ...fast, sha256: digest, signal: controller.signal,
      onProgress: (done) => { if (done > 100_000) controller.abort(); },
    }).catch((e: unknown) => e as EngineError);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).kind).toBe('cancelled');
    expect(existsSync(dest)).toBe(false);
    const kept = statSync(`${dest}.part`).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(body.length);

    expect(await download(server.url('/slow.zip'), dest, { ...fast, sha256: digest })).toBe(digest);
    expect(server.requests.at(-1)!.headers.range).toBe(`bytes=${kept}-`);
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('starts over when the file changed on the server between two tries (If-Range)', async () => {
    const changed = Buffer.from(body).reverse();
    server.files.set('/moving.zip', { body, dropAfter: 300_000, dropTimes: 1 });
    const dest = join(dir, 'moving.zip');
    await expect(download(server.url('/moving.zip'), dest, { retries: 0 })).rejects.toThrow(/next try resumes/);
    const kept = statSync(`${dest}.part`).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(300_000);
    expect(existsSync(dest)).toBe(false); // a cut-off download never looks complete
    server.files.set('/moving.zip', { body: changed });
    server.requests.length = 0;
    await download(server.url('/moving.zip'), dest, fast);
    expect(server.requests[0].headers.range).toBe(`bytes=${kept}-`);
    expect(server.requests[0].status).toBe(200);
    expect(readFileSync(dest).equals(changed)).toBe(true);
  });

  it('where the server gives no ETag or date, resumes only a file of the same size', async () => {
    server.files.set('/plain.zip', { body, dropAfter: 200_000, dropTimes: 1, noValidators: true });
    const dest = join(dir, 'plain.zip');
    expect(await download(server.url('/plain.zip'), dest, { ...fast, sha256: digest })).toBe(digest);
    const bigger = Buffer.concat([body, body]);
    server.files.set('/plain2.zip', { body, dropAfter: 200_000, dropTimes: 1, noValidators: true });
    const dest2 = join(dir, 'plain2.zip');
    await expect(download(server.url('/plain2.zip'), dest2, { retries: 0 })).rejects.toThrow(EngineError);
    server.files.set('/plain2.zip', { body: bigger, noValidators: true });
    await expect(download(server.url('/plain2.zip'), dest2, { retries: 0 })).rejects.toThrow(/different part of the file/);
    await download(server.url('/plain2.zip'), dest2, fast);
    expect(readFileSync(dest2).equals(bigger)).toBe(true);
  });

  it('refuses a file with one corrupted byte by its sha256 and deletes it', async () => {
    const corrupted = Buffer.from(body);
    corrupted[123_456] ^= 0x01;
    server.files.set('/corrupted.zip', { body: corrupted });
    const dest = join(dir, 'corrupted.zip');
    const error = (await download(server.url('/corrupted.zip'), dest, { sha256: digest, bytes: body.length }).catch((e: unknown) => e)) as EngineError;
    expect(error).toBeInstanceOf(EngineError);
    expect(error.kind).toBe('corrupt');
    expect(error.message).toContain(dest);
    expect(error.message).toMatch(/does not match its published sha256 .*was deleted/);
    expect(existsSync(dest)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('refuses a wrong size, a missing file, a redirect loop and a non-http address, leaving nothing', async () => {
    const cases: Array<[string, Parameters<typeof download>[2], RegExp]> = [
      [server.url('/objects/model.pt'), { bytes: 5 }, /offers 600000 bytes .* where the catalogue expects 5/],
      [server.url('/missing.pt'), {}, /answered 404/],
      [server.url('/loop'), { maxRedirects: 3 }, /too many redirects/],
      ['ftp://example.org/x.pt', {}, /only http\(s\)/],
    ];
    for (const [url, opts, message] of cases) {
      const dest = join(dir, 'bad.pt');
      await expect(download(url, dest, opts)).rejects.toThrow(message);
      expect(existsSync(dest)).toBe(false);
    }
    expect(leftovers()).toEqual([]);
  });
});
