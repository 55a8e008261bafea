import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { watchPageProblems, type PageProblems } from './page-watch.ts';

const root = join(import.meta.dirname, '..', '..');

export interface RunningApp {
  url: string;
  dataDir: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts the real web mode (`src-main/web/main.ts`) on a fresh data folder; the renderer must be built. */
export async function startWebApp(opts: { dataDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunningApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'onomato-e2e-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/web/main.ts', '--data-dir', dataDir], {
    cwd: root,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the web app did not start in time:\n${log}`)), 120_000);
    const check = () => {
      const m = /Onomato is running at (\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the web app exited with ${code}:\n${log}`));
    });
  });
  return {
    url,
    dataDir,
    process: child,
    output: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Debian's Chromium, headless, without its calls home (the machine has no internet). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** The web app and Chromium with one page open on the app, its problems watched from the first load. */
export interface AppInChromium {
  app: RunningApp;
  browser: Browser;
  page: Page;
  problems: PageProblems;
}

/** Starts the web app on `dataDir` and Chromium side by side (each takes seconds), then opens the app in a page. */
export async function openAppInChromium(opts: { dataDir: string; env?: NodeJS.ProcessEnv; viewport: { width: number; height: number }; acceptDownloads?: boolean }): Promise<AppInChromium> {
  const [app, browser] = await Promise.all([startWebApp({ dataDir: opts.dataDir, env: opts.env }), launchChromium()]);
  const page = await browser.newPage({ viewport: opts.viewport, acceptDownloads: opts.acceptDownloads });
  const problems = await watchPageProblems(page);
  await page.goto(app.url);
  return { app, browser, page, problems };
}

/** Closes what openAppInChromium started, the browser first (its page would report the app going away); either may be missing when the start failed. */
export async function closeAppInChromium(opened: { app?: RunningApp; browser?: Browser }): Promise<void> {
  await opened.browser?.close();
  await opened.app?.stop();
}

/** The app's own reply to a contract call, asked from a page of the app (so it carries the page's token). */
export function callFromPage<T>(page: Page, method: string, args: object = {}): Promise<T> {
  return page.evaluate(
    async ([m, a]) => {
      const r = await fetch(`/api/${m}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(a) });
      const reply = (await r.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
      if (!reply.ok) throw new Error(reply.error?.message);
      return reply.value;
    },
    [method, args] as const,
  ) as Promise<T>;
}

export const screenshotDir = join(root, 'test-output', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** Screenshots at the two sizes the app is checked at by eye; the page goes back to 1280x720 after. */
export async function screenshotsAtBothSizes(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300); // transitions end
  await screenshot(page, `${name}-1280x720`);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.waitForTimeout(300);
  await screenshot(page, `${name}-1920x1080`);
  await page.setViewportSize({ width: 1280, height: 720 });
}
