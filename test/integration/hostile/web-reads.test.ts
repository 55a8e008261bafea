/**
 * Nothing outside the library can be read through the web server, whatever the address or
 * whatever the library's files have become since the scan: a real library indexed by the real
 * engine, with links out of it, files swapped for links and pipes after indexing, and a corpus
 * of traversal addresses against every route.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sound } from '../../../src-main/contract/schema.ts';
import { openEngine, type Engine } from '../../../src-main/engine/engine.ts';
import { webHandlers } from '../../../src-main/web/handlers.ts';
import { startWebServer, type WebServer } from '../../../src-main/web/server.ts';
import { jobEnded } from '../../support/jobs.ts';
import { copySfxSubset } from '../../support/library-copy.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const dir = suiteTempDir('onomato-hostile-web-');
const sfx = join(dir, 'sfx');
const outside = join(dir, 'outside');
let engine: Engine;
let server: WebServer;
let sounds: Sound[];
let copied: string[];

/** Markers of what must never come back: /etc/passwd, the library database, the outside file. */
let outsideBytes: Buffer;
const leaked = (body: Buffer) => body.includes('root:x:0:0') || body.includes('SQLite format 3') || (body.length > 64 && body.includes(outsideBytes.subarray(64, 128)));

/** One request with its path sent exactly as written (fetch would normalise dot segments). */
function raw(path: string, method = 'GET', body?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'x-onomato-token': server.token, host: `127.0.0.1:${server.port}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${path} hung`)));
    req.end(body);
  });
}

beforeAll(async () => {
  copied = copySfxSubset(await smallSfxLibrary(), sfx, 4);
  // A link out of the library to a real sound, and one to /etc/passwd, both found by the scan.
  mkdirSync(outside, { recursive: true });
  cpSync(join(sfx, copied[0]), join(outside, 'elsewhere.wav'));
  outsideBytes = readFileSync(join(outside, 'elsewhere.wav'));
  symlinkSync(join(outside, 'elsewhere.wav'), join(sfx, 'link-out.wav'));
  symlinkSync('/etc/passwd', join(sfx, 'passwd.wav'));
  engine = await openEngine({ dataDir: join(dir, 'data'), mode: 'web' });
  const { job } = await engine.handlers['library.addRoot']({ path: sfx });
  expect((await jobEnded(engine, job)).state).toBe('done');
  const found = await Promise.all(Array.from({ length: 12 }, (_, i) => engine.handlers['library.sound']({ soundId: i + 1 }).catch(() => null)));
  sounds = found.filter((s): s is Sound => s !== null);
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>t</title>');
  server = await startWebServer({ handlers: webHandlers(engine), events: engine.events, rendererDir: join(dir, 'renderer'), resolveMedia: (k, i) => engine.resolveMedia(k, i) });
}, 600_000);

afterAll(async () => {
  await server?.close();
  await engine?.close();
});

const idOf = (name: string) => sounds.find((s) => s.name === name)?.id;
/** The copied sounds, which lie inside the library (library.sound also answers for failed files). */
const inside = () => sounds.filter((s) => copied.some((c) => join(sfx, c) === s.path));

describe('reading through the web server', () => {
  it('serves each indexed sound inside the library, byte for byte', async () => {
    expect(inside().length).toBe(copied.length);
    for (const s of inside()) {
      const res = await raw(`/media/sound/${s.id}`);
      expect(res.status, s.name).toBe(200);
      expect(res.body.equals(readFileSync(s.path)), s.name).toBe(true);
    }
  });

  it('serves no link out of the library, indexed or failed', async () => {
    // The link out was indexed (its target is audio) but its real path is outside every library folder.
    const out = idOf('link-out.wav');
    expect(out).toBeDefined();
    const failures = await engine.handlers['library.failures']({ offset: 0, limit: 100 });
    expect(failures.items.map((f) => f.path)).toContain(join(sfx, 'passwd.wav'));
    for (const path of [`/media/sound/${out}`, `/media/sound/${out}?download=1`]) {
      const res = await raw(path);
      expect(res.status, path).toBe(404);
      expect(leaked(res.body), path).toBe(false);
    }
    // Every id that is not one of the copied sounds: the failed link to /etc/passwd among them.
    for (let id = 1; id <= 12; id++) {
      if (inside().some((s) => s.id === id)) continue;
      const res = await raw(`/media/sound/${id}`);
      expect(res.status, `sound ${id}`).toBe(404);
      expect(leaked(res.body)).toBe(false);
    }
  });

  const corpus = (db: string) => [
    '/../../etc/passwd', '/..%2F..%2Fetc%2Fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/../../../../etc/passwd',
    '/index.html/../../data/library.sqlite', '//etc/passwd', '/..\\..\\etc\\passwd', '/%5C..%5C..%5Cetc%5Cpasswd',
    '/media/sound/0', '/media/sound/-1', '/media/sound/1e3', '/media/sound/1%00', '/media/sound/01x', '/media/sound/9999999999999',
    '/media/sound/..%2F..%2Fetc%2Fpasswd', '/media/sound/%2Fetc%2Fpasswd', `/media/sound/${encodeURIComponent(join(sfx, copied[0]))}`,
    '/media/take/1', '/media/take/..%2F..%2Flibrary.sqlite', '/media/export/..%2Flibrary.sqlite', '/media/export/..%5Clibrary.sqlite',
    '/media/export/%2E%2E%2Flibrary.sqlite', '/media/export/regions%2F..%2F..%2Flibrary.sqlite', `/media/export/${encodeURIComponent(db)}`,
    '/media/export/%2Fetc%2Fpasswd', '/media/export/', '/media/file/%2Fetc%2Fpasswd', '/media/models/x', '/media/', '/media/sound/',
    '/media/export/%', '/media/sound/%E0%A4%A',
  ];

  it('answers a corpus of traversal addresses with a refusal and nothing of what lies outside', async () => {
    const paths = corpus(join(dir, 'data', 'library.sqlite'));
    const statuses = new Set<number>();
    for (const path of paths) {
      const res = await raw(path);
      expect([400, 403, 404], `${path} -> ${res.status}`).toContain(res.status);
      expect(leaked(res.body), path).toBe(false);
      statuses.add(res.status);
    }
    for (const method of ['..%2F..%2Fetc%2Fpasswd', '__proto__', 'constructor', 'models.import']) {
      const res = await raw(`/api/${method}`, 'POST', method === 'models.import' ? JSON.stringify({ path: '/etc/passwd' }) : '{}');
      expect(leaked(res.body), method).toBe(false);
    }
    expect(paths.length).toBeGreaterThanOrEqual(30);
  });

  it('serves nothing once an indexed file becomes a link out or a pipe, and the server stays responsive', async () => {
    const [a, b, good] = inside();
    unlinkSync(a.path);
    symlinkSync('/etc/passwd', a.path);
    unlinkSync(b.path);
    execFileSync('mkfifo', [b.path]);
    for (const s of [a, b]) {
      const res = await raw(`/media/sound/${s.id}?download=1`);
      expect(res.status, s.name).toBe(404);
      expect(leaked(res.body)).toBe(false);
    }
    // Eight opens of the pipe at once: none may hold one of libuv's four pool threads.
    const piped = await Promise.all(Array.from({ length: 8 }, () => raw(`/media/sound/${b.id}`)));
    expect(piped.map((r) => r.status)).toEqual(Array(8).fill(404));
    expect((await raw(`/media/sound/${good.id}`)).status).toBe(200);
    // A drag of the swapped sound is refused with the reason, and renders nothing.
    const drag = await engine.filesForDrag([{ soundId: a.id, region: { startSec: 0, endSec: 0.2 } }]).then(() => null, (e: unknown) => e as Error);
    expect(drag?.message).toMatch(/no longer a regular file inside a library folder/);
  });
});
