import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download } from '../../../src-main/engine/model/download.ts';

const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) & 0xff));
const digest = createHash('sha256').update(body).digest('hex');
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onomato-download-'));
  server = createServer((req, res) => {
    if (req.url === '/release/model.pt') { res.writeHead(302, { location: '/objects/abc' }); res.end(); return; }
    if (req.url === '/objects/abc') { res.writeHead(200, { 'content-length': body.length }); res.end(body); return; }
    if (req.url === '/loop') { res.writeHead(302, { location: '/loop' }); res.end(); return; }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('checkpoint download', () => {
  it('follows the release redirect, reports progress and verifies the sha256', async () => {
    const progress: Array<[number, number]> = [];
    const dest = join(dir, 'ok.pt');
    const sha = await download(`${base}/release/model.pt`, dest, { sha256: digest, bytes: body.length, onProgress: (d, t) => progress.push([d, t]) });
    expect(sha).toBe(digest);
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(progress.at(-1)).toEqual([body.length, body.length]);
    expect(progress.length).toBeGreaterThan(1);
  });

  it('leaves nothing behind when the digest, the size or the server is wrong', async () => {
    const cases: Array<[string, Parameters<typeof download>[2], RegExp]> = [
      [`${base}/release/model.pt`, { sha256: '0'.repeat(64) }, /does not match its published sha256/],
      [`${base}/release/model.pt`, { bytes: 5 }, /200000 bytes where 5 were expected/],
      [`${base}/missing.pt`, {}, /answered 404/],
      [`${base}/loop`, { maxRedirects: 3 }, /too many redirects/],
      ['ftp://example.org/x.pt', {}, /only http\(s\)/],
    ];
    for (const [url, opts, message] of cases) {
      const dest = join(dir, 'bad.pt');
      await expect(download(url, dest, opts)).rejects.toThrow(message);
      expect(existsSync(dest)).toBe(false);
    }
    expect(readdirSync(dir).filter((f) => f.includes('.part'))).toEqual([]);
  });
});
