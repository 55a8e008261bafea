/**
 * A hostile page on another port of 127.0.0.1, in the same browser as the app: the same site,
 * so the browser sends the app's strict cookie along with everything it asks. It tries the
 * event socket, contract calls, library media in <audio>, and downloads; every one must fail,
 * while the app's own page, open beside it, keeps working.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copySfxSubset } from '../support/library-copy.ts';
import { watchPushedEvents, type PushedEvents } from '../support/page-watch.ts';
import { smallSfxLibrary } from '../support/sfx.ts';
import { callFromPage, launchChromium, startWebApp, type RunningApp } from '../support/web-app.ts';
import { suiteTempDir } from '../support/temp-dir.ts';

const work = suiteTempDir('onomato-e2e-hostile-');
const sfx = join(work, 'sfx');
let app: RunningApp;
let appOrigin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let hostile: Page;
let hostileServer: Server;
let hostileOrigin: string;
let pushed: PushedEvents;
let soundId: number;
/** What the app answered to each request the hostile page made. */
const answered: Array<{ url: string; status: number }> = [];

const call = callFromPage;

beforeAll(async () => {
  const library = await smallSfxLibrary();
  copySfxSubset(library, sfx, 3);
  hostileServer = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>a page on another port</title><body></body>'));
  await new Promise<void>((r) => hostileServer.listen(0, '127.0.0.1', () => r()));
  hostileOrigin = `http://127.0.0.1:${(hostileServer.address() as AddressInfo).port}`;
  [app, browser] = await Promise.all([startWebApp({ dataDir: join(work, 'data') }), launchChromium()]);
  appOrigin = new URL(app.url).origin;
  context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
  pushed = watchPushedEvents(page);
  await page.goto(app.url);
  await call(page, 'library.addRoot', { path: sfx });
  // (expect.poll is for tests only.)
  for (const deadline = Date.now() + 240_000; (await call<{ sounds: number }>(page, 'library.stats')).sounds < 3; ) {
    if (Date.now() > deadline) throw new Error(`the library was not indexed in time:\n${app.output()}`);
    await page.waitForTimeout(500);
  }
  expect(await call<unknown[]>(page, 'library.roots')).toHaveLength(1);
  // A fresh library numbers its sounds from 1.
  soundId = (await call<{ id: number }>(page, 'library.sound', { soundId: 1 })).id;

  hostile = await context.newPage();
  hostile.on('response', (r: Response) => {
    if (!r.url().startsWith(appOrigin)) return;
    answered.push({ url: r.url(), status: r.status() });
  });
  await hostile.goto(`${hostileOrigin}/`);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await new Promise<void>((r) => (hostileServer ? hostileServer.close(() => r()) : r()));
});

describe('a page on another port of 127.0.0.1', () => {
  it('shares the browser with the app, whose cookie goes along to the app from any port', async () => {
    const cookies = await context.cookies(appOrigin);
    expect(cookies.map((c) => [c.name, c.sameSite, c.httpOnly])).toEqual([[`onomato_token_${new URL(appOrigin).port}`, 'Strict', true]]);
    // Cookies know no ports: the hostile page's requests to the app carry it (same site).
    expect(new URL(hostile.url()).hostname).toBe(new URL(appOrigin).hostname);
  });

  it('cannot open the event socket, while the app page still gets its events', async () => {
    const framesBefore = pushed.frames.length;
    const attempt = hostile.evaluate(
      (url) =>
        new Promise<{ opened: boolean; frames: string[] }>((resolve) => {
          const result = { opened: false, frames: [] as string[] };
          const ws = new WebSocket(url);
          ws.onopen = () => (result.opened = true);
          ws.onmessage = (e) => result.frames.push(String(e.data));
          ws.onclose = () => resolve(result);
          // Had it opened, listen while the app scans, then give up.
          setTimeout(() => {
            ws.close();
            resolve(result);
          }, 4000);
        }),
      `${appOrigin.replace('http', 'ws')}/events`,
    );
    // Job progress (with file paths) flows while the attempt listens.
    await call(page, 'library.rescan', {});
    const result = await attempt;
    expect(result).toEqual({ opened: false, frames: [] });
    await expect.poll(() => pushed.frames.slice(framesBefore).some((f) => f.event === 'job.progress'), { timeout: 30_000 }).toBe(true);
  });

  it('cannot call the contract, neither with a JSON post nor a simple no-cors one', async () => {
    const outcomes = await hostile.evaluate(async (origin) => {
      const out: string[] = [];
      try {
        const r = await fetch(`${origin}/api/library.roots`, { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: '{}' });
        out.push(`read ${r.status} ${await r.text()}`);
      } catch (e) {
        out.push(`json: ${(e as Error).name}`);
      }
      // A simple request needs no preflight: the browser sends it; only the server can refuse it.
      await fetch(`${origin}/api/library.removeRoot`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{"rootId":1}' });
      out.push('no-cors sent');
      return out;
    }, appOrigin);
    expect(outcomes).toEqual(['json: TypeError', 'no-cors sent']);
    expect(await call<unknown[]>(page, 'library.roots')).toHaveLength(1);
    await expect.poll(() => answered.filter((a) => a.url.endsWith('/api/library.removeRoot')).length).toBe(1);
    for (const a of answered.filter((x) => x.url.includes('/api/'))) expect(a, a.url).toMatchObject({ status: 403 });
  });

  it('cannot play library media in <audio>, while the app page can', async () => {
    const url = `${appOrigin}/media/sound/${soundId}`;
    const heard = await hostile.evaluate(
      (src) =>
        new Promise<string>((resolve) => {
          const audio = document.createElement('audio');
          audio.onloadedmetadata = () => resolve(`loaded ${audio.duration.toFixed(2)} s`);
          audio.onerror = () => resolve('error');
          audio.src = src;
          document.body.append(audio);
        }),
      url,
    );
    expect(heard).toBe('error');
    // The same request as the element's (no-cors, with the cookie), where the browser shows the app's answer.
    await hostile.evaluate((src) => fetch(src, { mode: 'no-cors', credentials: 'include' }), url);
    await expect.poll(() => answered.some((a) => a.url === url)).toBe(true);
    for (const a of answered.filter((x) => x.url === url)) expect(a).toMatchObject({ status: 403 });

    const own = await page.evaluate(
      (src) =>
        new Promise<string>((resolve) => {
          const audio = new Audio(src);
          audio.onloadedmetadata = () => resolve('loaded');
          audio.onerror = () => resolve('error');
        }),
      `/media/sound/${soundId}`,
    );
    expect(own).toBe('loaded');
  });

  it('cannot read or trigger a download, while the app page can', async () => {
    const url = `${appOrigin}/media/sound/${soundId}?download=1`;
    const read = await hostile.evaluate(async (u) => {
      try {
        const r = await fetch(u, { credentials: 'include' });
        return `read ${r.status} ${(await r.arrayBuffer()).byteLength} bytes`;
      } catch (e) {
        return (e as Error).name;
      }
    }, url);
    expect(read).toBe('TypeError');
    // A link with download: cross-origin, so the browser navigates to it; the app must refuse.
    let downloaded = false;
    hostile.on('download', () => (downloaded = true));
    const navigation = hostile.waitForResponse((r) => r.url() === url && r.request().isNavigationRequest());
    await hostile.evaluate((u) => {
      const a = document.createElement('a');
      a.href = u;
      a.download = 'stolen.wav';
      document.body.append(a);
      a.click();
    }, url);
    expect((await navigation).status()).toBe(403);
    await hostile.waitForTimeout(1000);
    expect(downloaded).toBe(false);
    for (const a of answered.filter((x) => x.url === url)) expect(a).toMatchObject({ status: 403 });

    const own = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, disposition: r.headers.get('content-disposition'), bytes: (await r.arrayBuffer()).byteLength };
    }, `/media/sound/${soundId}?download=1`);
    expect(own.status).toBe(200);
    expect(own.disposition).toMatch(/^attachment; filename=".+"; filename\*=UTF-8''.+/);
    expect(own.bytes).toBeGreaterThan(1000);
  });
});
