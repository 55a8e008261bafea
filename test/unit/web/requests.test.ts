/**
 * The web server refuses what a hostile local page or a DNS-rebound name would send, and
 * answers bad requests with a status rather than a 500 or a reset.
 */
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EventBus } from '../../../src-main/contract/events.ts';
import type { Handlers } from '../../../src-main/contract/methods.ts';
import { startWebServer, type WebServer } from '../../../src-main/web/server.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const dir = suiteTempDir('onomato-requests-');
let server: WebServer;
let other: WebServer;
const events = new EventBus();
const handlers = { 'app.info': async () => ({ version: 't', mode: 'web', dataDir: dir, model: null, modelProblem: null }) } as unknown as Handlers;

/** One HTTP request with exactly these headers (fetch will not send a Host of our choosing). */
function raw(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function openSocket(port: number, headers: Record<string, string>, origin?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/events`, { headers, origin });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

beforeAll(async () => {
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>t</title>');
  const options = { handlers, events, rendererDir: join(dir, 'renderer'), resolveMedia: async () => null, maxBodyBytes: 1024 };
  [server, other] = await Promise.all([startWebServer(options), startWebServer(options)]);
});

afterAll(async () => {
  await Promise.all([server?.close(), other?.close()]);
});

describe('who may ask', () => {
  const self = () => `127.0.0.1:${server.port}`;
  const token = () => ({ 'x-onomato-token': server.token });

  it('answers only to its own Host (DNS rebinding)', async () => {
    for (const host of [self(), `localhost:${server.port}`, `LOCALHOST:${server.port}`]) {
      expect((await raw(server.port, '/', { ...token(), host })).status, host).toBe(200);
    }
    for (const host of [`evil.example:${server.port}`, 'evil.example', `127.0.0.1:${other.port}`, '127.0.0.1', `127.0.0.1.evil.example:${server.port}`]) {
      const res = await raw(server.port, '/', { ...token(), host });
      expect(res.status, host).toBe(403);
      expect(res.body).toMatch(/answers only to 127.0.0.1 or localhost on its own port/);
    }
  });

  it('refuses requests from pages of other origins, even with the token', async () => {
    const post = (headers: Record<string, string>) => raw(server.port, '/api/app.info', { ...token(), host: self(), 'content-type': 'application/json', ...headers }, 'POST', '{}');
    expect((await post({ origin: `http://${self()}` })).status).toBe(200);
    expect((await post({ origin: `http://localhost:${server.port}` })).status).toBe(200);
    for (const origin of [`http://127.0.0.1:${other.port}`, 'null', 'http://evil.example', `https://${self()}`]) {
      expect((await post({ origin })).status, origin).toBe(403);
    }
    // <audio src> and <a download> send no Origin, but a browser always says where they came from.
    for (const site of ['same-site', 'cross-site']) {
      expect((await raw(server.port, '/media/sound/1', { ...token(), host: self(), 'sec-fetch-site': site })).status, site).toBe(403);
    }
    for (const site of ['same-origin', 'none']) {
      expect((await raw(server.port, '/', { ...token(), host: self(), 'sec-fetch-site': site })).status, site).toBe(200);
    }
  });

  it('opens the event socket only for its own origin and Host', async () => {
    expect(await openSocket(server.port, token())).toBe('open');
    expect(await openSocket(server.port, token(), `http://${self()}`)).toBe('open');
    expect(await openSocket(server.port, token(), `http://127.0.0.1:${other.port}`)).toBe(403);
    expect(await openSocket(server.port, { ...token(), host: `evil.example:${server.port}` })).toBe(403);
    expect(await openSocket(server.port, {})).toBe(403);
  });

  it('names its cookie by its port, so two instances in one browser keep their own', async () => {
    const a = await raw(server.port, `/?token=${server.token}`, { host: self() });
    const b = await raw(other.port, `/?token=${other.token}`, { host: `127.0.0.1:${other.port}` });
    const cookieOf = (res: typeof a) => String(res.headers['set-cookie']).split(';')[0];
    expect(cookieOf(a)).toBe(`onomato_token_${server.port}=${server.token}`);
    expect(cookieOf(b)).toBe(`onomato_token_${other.port}=${other.token}`);
    expect(String(a.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict; Path=\/$/);
    // The browser sends both cookies to both ports (cookies ignore ports): each finds its own.
    const jar = `${cookieOf(a)}; ${cookieOf(b)}`;
    expect((await raw(server.port, '/', { host: self(), cookie: jar })).status).toBe(200);
    expect((await raw(other.port, '/', { host: `127.0.0.1:${other.port}`, cookie: jar })).status).toBe(200);
    expect((await raw(server.port, '/', { host: self(), cookie: `onomato_token=${server.token}` })).status).toBe(403);
  });
});

describe('bad requests get a status, not a 500 or a reset', () => {
  const headers = () => ({ 'x-onomato-token': server.token, host: `127.0.0.1:${server.port}` });

  it('a malformed % escape is a 400', async () => {
    for (const path of ['/api/app.%E0%A4%A', '/media/sound/%ZZ', '/media/export/%']) {
      const res = path.startsWith('/api/')
        ? await raw(server.port, path, { ...headers(), 'content-type': 'application/json' }, 'POST', '{}')
        : await raw(server.port, path, headers());
      expect(res.status, path).toBe(400);
      expect(res.body, path).toMatch(/malformed % escape/);
    }
  });

  it('a body over the limit is a 413, declared or streamed, and the server goes on', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(4096) });
    const declared = await fetch(`http://127.0.0.1:${server.port}/api/app.info`, { method: 'POST', headers: { ...headers(), 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect(await declared.text()).toMatch(/at most 1024 bytes/);
    const chunks = [big.slice(0, 1000), big.slice(1000)];
    const streamed = await fetch(`http://127.0.0.1:${server.port}/api/app.info`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: new ReadableStream({ pull(c) { const next = chunks.shift(); if (next === undefined) c.close(); else c.enqueue(new TextEncoder().encode(next)); } }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const after = await fetch(`http://127.0.0.1:${server.port}/api/app.info`, { method: 'POST', headers: { ...headers(), 'content-type': 'application/json' }, body: '{}' });
    expect(after.status).toBe(200);
  });
});
