/**
 * Push-to-talk: holding Space records until it is let go. The fake microphone replays an 80 s
 * tone faster than real time, so a take that ended at the release is much shorter than the
 * longest take allowed, and it ends as 'stopped', not at its maximum length.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeMicHome, writeRawS16 } from '../support/fake-mic.ts';
import { pageProblems, watchPageProblems, watchPushedEvents, type PageProblems, type PushedEvents } from '../support/page-watch.ts';
import { launchChromium, startWebApp, type RunningApp } from '../support/web-app.ts';
import { suiteTempDir } from '../support/temp-dir.ts';

const work = suiteTempDir('onomato-e2e-ptt-');
// 96 kHz stereo: the file device replays by bytes, so more bytes per second of audio keep the
// replay slow enough (about 35x real time) that a hold ends well inside the 60 s limit.
const RATE = 96_000;
let app: RunningApp;
let browser: Browser;
let page: Page;
let problems: PageProblems;
let pushed: PushedEvents;

beforeAll(async () => {
  // A warbling tone (never silent, so trimming keeps it whole), long enough to outlast any take.
  const n = 80 * RATE;
  const tone = new Float32Array(n);
  for (let i = 0; i < n; i++) tone[i] = 0.3 * Math.sin(2 * Math.PI * (400 + 100 * Math.sin(i / RATE)) * (i / RATE));
  mkdirSync(join(work, 'mic'));
  writeRawS16(join(work, 'mic', 'tone.raw'), [tone, tone], 1, RATE);
  const home = fakeMicHome(join(work, 'mic', 'home'), join(work, 'mic', 'tone.raw'), RATE, 2);
  [app, browser] = await Promise.all([startWebApp({ dataDir: join(work, 'data'), env: { HOME: home } }), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  problems = await watchPageProblems(page);
  pushed = watchPushedEvents(page);
  await page.goto(app.url);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-max-take').fill('60');
  await page.getByTestId('settings-max-take').blur();
  await page.getByTestId('nav-search').click();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('push-to-talk', () => {
  it('records while Space is held and stops when it is let go', async () => {
    await expect.poll(async () => (await (await fetch(new URL('/api/settings.get', app.url), {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-onomato-token': new URL(app.url).searchParams.get('token')! }, body: '{}',
    })).json() as { value: { maxTakeSec: number } }).value.maxTakeSec).toBe(60);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    const pressed = Date.now();
    await page.keyboard.down('Space');
    await expect.poll(() => page.getByTestId('record-state').textContent(), { timeout: 10_000 }).toBe('Recording');
    // Past the renderer's hold threshold (350 ms), so the release means "stop".
    await page.waitForTimeout(Math.max(0, 450 - (Date.now() - pressed)));
    await page.keyboard.up('Space');
    await expect.poll(() => pushed.frames.filter((f) => f.event === 'capture.ended').length, { timeout: 20_000 }).toBe(1);
    const ended = pushed.frames.find((f) => f.event === 'capture.ended')!.payload as { take: { durationSec: number } | null; reason: string };
    expect(ended.reason).toBe('stopped');
    expect(ended.take).not.toBeNull();
    expect(ended.take!.durationSec).toBeGreaterThan(0.5);
    expect(ended.take!.durationSec).toBeLessThan(59);
    await expect.poll(() => page.getByTestId('record-state').textContent()).toBe('Ready');
    expect(await pageProblems(page, problems)).toEqual([]);
  });
});
