import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../../src-main/contract/dispatch.ts';
import { methodNames, type Handlers } from '../../../src-main/contract/methods.ts';
import { openEngine, type Engine } from '../../../src-main/engine/engine.ts';
import { shellHandlers } from '../../../src-main/shell/handlers.ts';
import { INVOKE_CHANNEL, registerIpc, type IpcMainLike } from '../../../src-main/shell/ipc.ts';
import { webHandlers } from '../../../src-main/web/handlers.ts';
import { startWebServer, type WebServer } from '../../../src-main/web/server.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/** Records what the shell registers, standing in for Electron's ipcMain (no binary here). */
class RecordingIpc implements IpcMainLike {
  readonly channels = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void {
    this.channels.set(channel, listener);
  }
  invoke(trusted: boolean, method: unknown, args: unknown): Promise<Reply> {
    const event = { trusted } as unknown as IpcMainInvokeEvent;
    return this.channels.get(INVOKE_CHANNEL)!(event, method, args) as Promise<Reply>;
  }
}

const dir = suiteTempDir('onomato-contract-');
let engine: Engine;
let shell: Handlers;
let web: Handlers;
let ipc: RecordingIpc;
let server: WebServer;

async function overHttp(method: string, body: unknown): Promise<Reply> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-onomato-token': server.token },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Reply;
}

beforeAll(async () => {
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>t</title>');
  engine = await openEngine({ dataDir: join(dir, 'data'), mode: 'web' });
  shell = shellHandlers(engine, { pickFolder: async () => null, startDrag: () => {} });
  web = webHandlers(engine);
  ipc = new RecordingIpc();
  registerIpc(ipc, shell, (event) => (event as unknown as { trusted: boolean }).trusted);
  server = await startWebServer({ handlers: web, events: engine.events, rendererDir: join(dir, 'renderer'), resolveMedia: (k, i) => engine.resolveMedia(k, i) });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
});

describe('one contract, two transports', () => {
  it('both the Electron shell and the web server handle every contract method, and nothing else', () => {
    expect(Object.keys(shell).sort()).toEqual([...methodNames].sort());
    expect(Object.keys(web).sort()).toEqual([...methodNames].sort());
    for (const m of methodNames) {
      expect(typeof shell[m], m).toBe('function');
      expect(typeof web[m], m).toBe('function');
    }
  });

  const malformed: Array<[string, unknown]> = [
    ['search.take', { takeId: 'seven' }],
    ['search.take', {}],
    ['settings.update', { volume: 7 }],
    ['settings.update', { somethingElse: true }],
    ['library.removeRoot', { rootId: -1 }],
    ['drag.start', { items: [{ soundId: 1, region: { startSec: 5, endSec: 2 } }] }],
    ['app.info', { extra: 1 }],
    ['no.such.method', {}],
    ['__proto__', {}],
  ];

  it.each(malformed)('%s with %j is refused the same way by both', async (method, args) => {
    const viaIpc = await ipc.invoke(true, method, args);
    const viaHttp = await overHttp(method, args);
    expect(viaIpc.ok).toBe(false);
    expect(viaHttp).toEqual(viaIpc);
    if (!viaIpc.ok) {
      expect(viaIpc.error.kind).toBe('invalid-argument');
      expect(viaIpc.error.message).toContain(method === '__proto__' ? 'Unknown method' : method.startsWith('no.') ? 'Unknown method' : method);
    }
  });

  it('a well-formed call gets the same answer through both', async () => {
    const viaIpc = await ipc.invoke(true, 'settings.update', { volume: 0.5 });
    const viaHttp = await overHttp('settings.get', {});
    expect(viaIpc).toMatchObject({ ok: true, value: { volume: 0.5 } });
    expect(viaHttp).toEqual(viaIpc);
  });

  it('the shell refuses calls from any other frame', async () => {
    const reply = await ipc.invoke(false, 'app.info', {});
    expect(reply).toEqual({ ok: false, error: { kind: 'forbidden', message: expect.stringContaining('did not come from') } });
  });
});

describe('web server access', () => {
  it('refuses requests without the launch token', async () => {
    const api = await fetch(`http://127.0.0.1:${server.port}/api/app.info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(403);
    const page = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(page.status).toBe(403);
    const wrong = await fetch(`http://127.0.0.1:${server.port}/?token=${'0'.repeat(server.token.length)}`);
    expect(wrong.status).toBe(403);
  });

  it('sets a same-site cookie from the launch URL and serves the page with the CSP', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toMatch(new RegExp(`^onomato_token_${server.port}=[0-9a-f]+; HttpOnly; SameSite=Strict`));
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('refuses non-JSON posts (no simple cross-site form posts)', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/app.info`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-onomato-token': server.token }, body: '{}' });
    expect(res.status).toBe(415);
  });

  it('serves no file outside the renderer folder or the library', async () => {
    const headers = { 'x-onomato-token': server.token };
    for (const path of ['/..%2F..%2Fetc%2Fpasswd', '/../../etc/passwd', '/media/sound/999999', '/media/file/%2Fetc%2Fpasswd']) {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { headers });
      expect(res.status, path).toBe(404);
    }
  });

  it('listens on 127.0.0.1 only', () => {
    expect(server.url.startsWith('http://127.0.0.1:')).toBe(true);
  });
});
