/**
 * The foundation, end to end: the real web mode on a fresh data folder, the real renderer in
 * Chromium. A click, a round trip through the contract, a pushed event, the security policy,
 * and a screenshot.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src-main/contract/security.ts';
import { DEFAULT_HEADS_ID } from '../../src-main/engine/model-version/versions.ts';
import { copySfxSubset } from '../support/library-copy.ts';
import { smallSfxLibrary } from '../support/sfx.ts';
import { launchChromium, screenshot, startWebApp, type RunningApp } from '../support/web-app.ts';
import { pageProblems, watchPageProblems, watchPushedEvents, type PageProblems, type PushedEvents } from '../support/page-watch.ts';
import { suiteTempDir } from '../support/temp-dir.ts';

const work = suiteTempDir('onomato-e2e-foundation-');
let app: RunningApp;
let browser: Browser;
let page: Page;
let problems: PageProblems;
let pushed: PushedEvents;
let mainResponseHeaders: Record<string, string>;

beforeAll(async () => {
  const library = await smallSfxLibrary();
  copySfxSubset(library, join(work, 'sounds'), 4);
  [app, browser] = await Promise.all([startWebApp({ dataDir: join(work, 'data') }), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  problems = await watchPageProblems(page);
  pushed = watchPushedEvents(page);
  const response = await page.goto(app.url);
  mainResponseHeaders = response?.headers() ?? {};
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('the app shell in a browser', () => {
  it('serves the page with the strict CSP, as a header and in the built page', async () => {
    expect(mainResponseHeaders['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    // The meta carries the same policy less frame-ancestors, which browsers ignore in a meta.
    expect(meta).toBe(CONTENT_SECURITY_POLICY.split('; ').filter((d) => !d.startsWith('frame-ancestors')).join('; '));
    expect(meta).toContain("script-src 'self'");
  });

  it('shows the regions later screens fill: navigation, the search screen and the status line', async () => {
    await expect.poll(() => page.getByRole('navigation', { name: 'Screens' }).isVisible()).toBe(true);
    for (const id of ['search', 'library', 'training', 'evaluation', 'settings']) {
      expect(await page.getByTestId(`nav-${id}`).isVisible()).toBe(true);
    }
    expect(await page.getByTestId('record-button').isVisible()).toBe(true);
    expect(await page.getByTestId('result-list').count()).toBe(1);
    expect(await page.getByTestId('preview').isVisible()).toBe(true);
    expect(await page.getByRole('contentinfo', { name: 'Status' }).isVisible()).toBe(true);
    expect(await page.getByTestId('nav-search').getAttribute('aria-current')).toBe('page');
  });

  it('navigates on a click and reads the data folder and model back through the contract', async () => {
    await page.getByTestId('nav-settings').click();
    expect(await page.getByTestId('nav-settings').getAttribute('aria-current')).toBe('page');
    expect(await page.getByRole('heading', { name: 'Settings', level: 2 }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('settings-data-dir').textContent()).toBe(app.dataDir);
    // The model is built on first use; once ready the app says which one and on what provider.
    await expect.poll(() => page.getByTestId('settings-provider').textContent(), { timeout: 60_000 }).toBe('cpu');
    expect(await page.getByTestId('settings-model').textContent()).toBe(`${DEFAULT_HEADS_ID} (384-d)`);
    expect(await page.getByTestId('status-model').textContent()).toContain(`${DEFAULT_HEADS_ID} · cpu`);
    await screenshot(page, 'foundation-settings');
  });

  it('receives pushed job events while a folder is scanned', async () => {
    await page.getByTestId('nav-library').click();
    await page.getByTestId('library-path').fill(join(work, 'sounds'));
    await page.getByTestId('library-add').click();
    const scan = page.getByTestId('job-scan');
    await expect.poll(() => scan.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    expect(await scan.getByTestId('job-count').textContent()).toBe('4 / 4');
    // The progress arrived over the event socket, not by asking.
    const progress = pushed.frames.filter((f) => f.event === 'job.progress');
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)?.payload).toMatchObject({ kind: 'scan', state: 'done', done: 4, total: 4 });
    await expect.poll(() => page.getByTestId('library-stats').textContent()).toMatch(/^\s*4 sounds/);
    await page.waitForTimeout(300); // the progress bar's transition ends
    await screenshot(page, 'foundation-library');
  });

  it('logged no console errors, page errors or CSP violations', async () => {
    expect(await pageProblems(page, problems)).toEqual([]);
  });
});
