/**
 * The result list at the size of a real library: 1,200 generated sounds in a folder tree,
 * scanned by the real engine, listed in Chromium. The list pages through all of them while
 * building only the rows in view, sorts by any column on the engine's side, browses a folder of
 * the tree, and keeps the columns the user chose across a reload.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../src-main/engine/audio/decode.ts';
import { pageProblems, type PageProblems } from '../support/page-watch.ts';
import { callFromPage, closeAppInChromium, openAppInChromium, screenshotsAtBothSizes, type RunningApp } from '../support/web-app.ts';
import { suiteTempDir } from '../support/temp-dir.ts';

const work = suiteTempDir('onomato-e2e-list-');
const sfx = join(work, 'sfx');
/** Folder -> how many sounds it holds directly. */
const TREE: Record<string, number> = { 'clicks': 500, 'tones': 500, 'tones/low': 200 };
const TOTAL = Object.values(TREE).reduce((a, b) => a + b, 0);
let app: RunningApp;
let browser: Browser;
let page: Page;
let problems: PageProblems;

/** A short tone or click, different for every file, of a length that grows with its number. */
async function writeSound(path: string, n: number, click: boolean): Promise<void> {
  const rate = 16000;
  const samples = new Float32Array(Math.round(rate * (0.05 + (n % 40) * 0.005)));
  const freq = 200 + (n % 97) * 13;
  for (let i = 0; i < samples.length; i++) samples[i] = click ? (i < 40 ? 0.8 * Math.sin(i) : 0) : 0.3 * Math.sin((2 * Math.PI * freq * i) / rate);
  await writeWav(path, { channels: [samples], sampleRate: rate, bitDepth: 16 });
}

beforeAll(async () => {
  let n = 0;
  for (const [folder, count] of Object.entries(TREE)) {
    mkdirSync(join(sfx, folder), { recursive: true });
    for (let i = 0; i < count; i++, n++) await writeSound(join(sfx, folder, `${folder.replace('/', '-')} ${String(i).padStart(4, '0')}.wav`), n, folder === 'clicks');
  }
  ({ app, browser, page, problems } = await openAppInChromium({ dataDir: join(work, 'data'), viewport: { width: 1280, height: 720 } }));
});

afterAll(() => closeAppInChromium({ app, browser }));

const shots = (name: string) => screenshotsAtBothSizes(page, name);

const list = () => page.getByTestId('result-list');
const rows = () => page.getByTestId('result-row');
const loaded = async () => Number(await list().getAttribute('data-count'));

describe('the result list on a library of 1,200 sounds', () => {
  it('scans them', async () => {
    await page.getByTestId('nav-library').click();
    await page.getByTestId('library-path').fill(sfx);
    await page.getByTestId('library-add').click();
    await expect.poll(() => page.getByTestId('job-scan').getAttribute('data-state'), { timeout: 280_000, interval: 1000 }).toBe('done');
    await page.getByTestId('nav-search').click();
  });

  it('shows the folder tree under the root with what each folder holds, and browses a folder', async () => {
    const options = await page.getByTestId('filter-folder').locator('option').allTextContents();
    expect(options.map((o) => o.replace(/\u00a0/g, ' '))).toEqual([
      'All folders', `${sfx} (${TOTAL})`, '   clicks (500)', '   tones (700)', '      low (200)',
    ]);
    await page.getByTestId('filter-folder').selectOption(join(sfx, 'tones'));
    await expect.poll(() => page.getByTestId('result-summary').textContent()).toContain(`700 sounds in ${join(sfx, 'tones')}`);
    // In path order the subfolder low/ comes before the files beside it.
    expect(await rows().first().locator('.name').textContent()).toBe('tones-low 0000.wav');
  });

  it('pages through all of them, building only the rows in view', async () => {
    expect(await loaded()).toBe(200);
    // Scroll to the end again and again: each time the next page comes in.
    for (let i = 0; i < 10 && (await loaded()) < 700; i++) {
      await list().evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await page.waitForTimeout(150);
    }
    expect(await loaded()).toBe(700);
    await list().evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect.poll(() => rows().last().getByTestId('cell-rank').textContent()).toBe('700');
    expect(await rows().count()).toBeLessThan(60);
    expect(await rows().last().locator('.name').textContent()).toBe('tones 0499.wav');
    await shots('list-scrolled-to-end');
    // End and Home walk the whole list from the keyboard.
    await list().focus();
    await page.keyboard.press('Home');
    await expect.poll(() => rows().first().getAttribute('aria-selected')).toBe('true');
    expect(await rows().first().getByTestId('cell-rank').textContent()).toBe('1');
  });

  it('sorts by a column on the engine, both ways, and back to the ranking', async () => {
    await page.getByTestId('filter-folder').selectOption('');
    await page.getByTestId('filter-text').fill('tones');
    await expect.poll(() => page.getByTestId('result-summary').textContent()).toContain('700 sounds match “tones”');
    await page.getByTestId('sort-name').click();
    await expect.poll(() => rows().first().locator('.name').textContent()).toBe('tones 0000.wav');
    await page.getByTestId('sort-name').click();
    await expect.poll(() => rows().first().locator('.name').textContent()).toBe('tones-low 0199.wav');
    expect(await page.getByTestId('sort-name').textContent()).toContain('▼');
    await page.getByTestId('sort-length').click();
    await expect.poll(() => page.getByTestId('sort-length').textContent()).toContain('▲');
    await expect.poll(async () => parseFloat((await rows().first().getByTestId('cell-length').textContent()) ?? '')).toBeCloseTo(0.05, 2);
    const lengths = (await rows().getByTestId('cell-length').allTextContents()).map((t) => parseFloat(t));
    expect(lengths.length).toBeGreaterThan(5);
    for (let i = 1; i < lengths.length; i++) expect(lengths[i]).toBeGreaterThanOrEqual(lengths[i - 1]);
    expect(lengths[0]).toBeCloseTo(0.05, 2);
    // The order holds across pages too: the last row of all is one of the longest.
    for (let i = 0; i < 10 && (await loaded()) < 700; i++) {
      await list().evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await page.waitForTimeout(150);
    }
    await list().evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect.poll(async () => parseFloat((await rows().last().getByTestId('cell-length').textContent()) ?? '')).toBeGreaterThanOrEqual(0.24);
    await page.getByTestId('sort-length').click();
    await page.getByTestId('sort-length').click();
    await expect.poll(() => page.getByTestId('result-summary').textContent()).toContain('ranked by the words');
  });

  it('shows the chosen columns (format, rate and bit depth, channels, description) and keeps the choice', async () => {
    await page.getByTestId('column-chooser').click();
    for (const c of ['format', 'rate', 'channels', 'description', 'date']) await page.getByTestId(`column-${c}`).check();
    await page.getByTestId('column-waveform').uncheck();
    await expect.poll(async () => (await callFromPage<{ resultColumns: string[] }>(page, 'settings.get')).resultColumns).toEqual(['score', 'tags', 'description', 'category', 'format', 'rate', 'channels', 'date']);
    await page.reload();
    await page.getByTestId('filter-text').fill('clicks');
    await expect.poll(() => page.getByTestId('result-summary').textContent()).toContain('500 sounds match');
    expect(await rows().first().getByTestId('cell-format').textContent()).toBe('wav');
    expect(await rows().first().getByTestId('cell-rate').textContent()).toBe('16.0 kHz / 16');
    expect(await rows().first().getByTestId('cell-channels').textContent()).toBe('1');
    expect(await rows().first().locator('canvas').count()).toBe(0);
    await page.getByTestId('sort-format').click();
    await expect.poll(() => page.getByTestId('sort-format').textContent()).toContain('▲');
    await shots('list-columns');
  });

  it('logged no console errors, page errors or CSP violations', async () => {
    expect(await pageProblems(page, problems)).toEqual([]);
  });
});
