/**
 * Training and evaluation as someone who is not an ML engineer meets them, in Chromium against
 * the real engine: the everyday choices first and the hyper-parameters behind "Advanced", pairs
 * that can be listened to, MRR said in words, a run whose features and epochs count up (never
 * "0 / 0"), the curve every version keeps, a rejected version used only on purpose, and an
 * evaluation whose chart, score table and per-class table each keep to their own box.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelVersion, saveModelVersion } from '../../src-main/engine/library/model-versions.ts';
import { LibraryStore } from '../../src-main/engine/library/store.ts';
import { DEFAULT_HEADS_ID } from '../../src-main/engine/model-version/versions.ts';
import { buildSoxQvimDev } from '../support/imitation-datasets.ts';
import { copySfxSubset } from '../support/library-copy.ts';
import { pageProblems, watchPageProblems, type PageProblems } from '../support/page-watch.ts';
import { smallSfxLibrary } from '../support/sfx.ts';
import { callFromPage, launchChromium, screenshotsAtBothSizes, startWebApp, type RunningApp } from '../support/web-app.ts';

const work = mkdtempSync(join(tmpdir(), 'onomato-e2e-training-'));
const dev = join(work, 'qvim-dev');
let app: RunningApp;
let browser: Browser;
let page: Page;
let problems: PageProblems;

interface JobView { id: number; state: string }

function call<T>(method: string, args: object = {}): Promise<T> {
  return callFromPage<T>(page, method, args);
}

/** Waits for a job the set-up started (outside a test, where expect.poll cannot run). */
async function jobDone(job: JobView): Promise<void> {
  for (const until = Date.now() + 240_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
    const state = (await call<JobView[]>('jobs.list')).find((j) => j.id === job.id)?.state;
    if (state === 'done') return;
    if (state === 'failed' || state === 'cancelled') throw new Error(`job ${job.id} ended ${state}`);
  }
  throw new Error(`job ${job.id} did not finish in 4 minutes`);
}

type Box = { x: number; y: number; width: number; height: number };
async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  expect(b, 'the element is laid out').not.toBeNull();
  return b!;
}
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (inner: Box, outer: Box) => inner.x >= outer.x - 0.5 && inner.y >= outer.y - 0.5 && inner.x + inner.width <= outer.x + outer.width + 0.5;

beforeAll(async () => {
  const sfx = join(work, 'sfx');
  copySfxSubset(await smallSfxLibrary(), sfx, 6);
  buildSoxQvimDev(dev, 4);
  [app, browser] = await Promise.all([startWebApp({ dataDir: join(work, 'data') }), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  problems = await watchPageProblems(page);
  await page.goto(app.url);
  await jobDone((await call<{ job: JobView }>('library.addRoot', { path: sfx })).job);
  // Imported pairs (the dataset's imitations of its references) and two of the user's own.
  await jobDone(await call<JobView>('pairs.import', { datasetDir: dev }));
  for (const soundId of [1, 2]) {
    const sound = await call<{ id: number; path: string; name: string }>('library.sound', { soundId });
    const take = await call<{ id: number }>('takes.import', { name: `me doing ${sound.name}`, dataBase64: readFileSync(sound.path).toString('base64') });
    await call('pairs.mark', { takeId: take.id, soundId: sound.id, origin: 'teach' });
  }
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('training for someone who is not an ML engineer', () => {
  it('keeps hyper-parameters behind Advanced, explains MRR and plays both sides of a pair', async () => {
    await page.getByTestId('nav-training').click();
    await expect.poll(() => page.getByTestId('pair-row').count()).toBeGreaterThan(10);
    expect(await page.getByTestId('train-pairs').isVisible()).toBe(true);
    expect(await page.getByTestId('train-head').isVisible()).toBe(true);
    expect(await page.getByTestId('train-epochs').isVisible()).toBe(false);
    await page.getByTestId('train-advanced').locator('summary').click();
    expect(await page.getByTestId('train-epochs').isVisible()).toBe(true);
    expect(await page.getByTestId('mrr-explained').innerText()).toMatch(/^MRR \(mean reciprocal rank\) is how high the right sound comes .* 1 means always first/);

    const taught = page.getByTestId('pair-row').filter({ hasText: 'taught' }).first();
    await taught.getByTestId('pair-play-sound').click();
    await expect.poll(() => taught.getByTestId('pair-play-sound').innerText()).toBe('■ sound');
    expect(await taught.getByTestId('pair-play-take').innerText()).toBe('▶ take');
    await taught.getByTestId('pair-play-take').click();
    await expect.poll(() => taught.getByTestId('pair-play-take').innerText()).toBe('■ take');
    expect(await taught.getByTestId('pair-play-sound').innerText()).toBe('▶ sound');
    await taught.getByTestId('pair-play-take').click();
    await expect.poll(() => taught.getByTestId('pair-play-take').innerText()).toBe('▶ take');
  });

  it('trains on the chosen pairs with counted features and epochs, and the version keeps its curve', async () => {
    await page.getByTestId('train-name').fill('imported only');
    await page.getByTestId('train-pairs').selectOption('dataset');
    await page.getByTestId('train-head').selectOption('imitation');
    // Epochs and curves belong to gradient steps (a personal map, the default for a set this small, has neither).
    await page.getByTestId('train-adaptation').selectOption('gradient');
    await page.getByTestId('train-epochs').fill('3');
    await page.getByTestId('train-augment').fill('0');
    await page.getByTestId('train-start').click();
    const panel = page.getByTestId('job-training');
    // Every count the panel shows while the run goes, sampled as fast as the page allows.
    const counts = new Set<string>();
    await expect.poll(async () => {
      const text = await panel.getByTestId('job-count').textContent().catch(() => null);
      if (text) counts.add(text);
      return panel.getAttribute('data-state').catch(() => null);
    }, { timeout: 240_000, interval: 20 }).toBe('done');
    expect([...counts]).not.toContain('0 / 0');
    expect([...counts].some((c) => / \/ 20$/.test(c)), `feature counts among ${[...counts].join(', ')}`).toBe(true);
    expect(await panel.innerText()).toMatch(/(Activated|Kept but not activated): /);

    const row = page.getByTestId('model-version').filter({ hasText: 'imported only' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('td.num').first().innerText()).toBe('20');
    // The default version has no curve of its own; the run's curve is shown for the new version.
    await row.getByTestId('model-curve').click();
    expect(await page.getByTestId('curve-of').innerText()).toBe('Curve of imported only');
    const versions = await call<Array<{ name: string; curve: unknown[] }>>('models.list');
    expect(versions.find((v) => v.name === 'imported only')!.curve).toHaveLength(3);
    await expect.poll(() => page.getByTestId('train-loss-chart').locator('path').count()).toBe(1);
    // A small set is measured by k-fold; the version's MRR curve is the folds' mean by epoch.
    await expect.poll(() => page.getByTestId('train-mrr-chart').locator('path').count()).toBe(1);
    await screenshotsAtBothSizes(page, 'training-curve');
  }, 300_000);

  it('shows why a version was rejected and activates it only after asking', async () => {
    const store = LibraryStore.open(join(app.dataDir, 'library.sqlite'));
    try {
      const base = loadModelVersion(store, DEFAULT_HEADS_ID);
      saveModelVersion(store, { ...base, id: 'worse-run', name: 'worse run', parent: base.id, status: 'rejected', createdAt: Date.now(), metrics: { decision: 'held-out MRR fell from 0.500 to 0.400' } });
    } finally {
      store.close();
    }
    await page.getByTestId('nav-search').click();
    await page.getByTestId('nav-training').click();
    const row = page.getByTestId('model-version').filter({ hasText: 'worse run' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getByTestId('model-version-reason').innerText()).toBe('not activated: held-out MRR fell from 0.500 to 0.400');
    const activate = row.getByTestId('model-activate');
    expect(await activate.innerText()).toBe('Activate anyway…');

    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await activate.click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/^worse run was not activated after training: held-out MRR fell from 0\.500 to 0\.400\.\n\nUse it anyway\?$/);
    expect(await row.locator('.badge').count()).toBe(0);

    page.once('dialog', (d) => void d.accept());
    await activate.click();
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 60_000 }).toBe('active');
    await expect.poll(async () => (await call<{ model: { id: string } | null }>('app.info')).model?.id).toBe('worse-run');
    await screenshotsAtBothSizes(page, 'training-rejected');
    expect(await pageProblems(page, problems)).toEqual([]);
  }, 120_000);
});

describe('the evaluation screen', () => {
  it('keeps the chart off the table, scrolls the per-class table in its panel and shows every system at 1280x720', async () => {
    await page.getByTestId('nav-evaluation').click();
    const systems = await call<Array<{ id: string; label: string }>>('eval.systems');
    expect(systems.length).toBeGreaterThanOrEqual(4);
    await page.getByTestId('eval-dataset').fill(dev);
    for (const s of systems) {
      const box = page.getByTestId(`eval-system-${s.id}`);
      if (!(await box.isChecked())) await box.check();
    }
    await page.getByTestId('eval-run').click();
    await expect.poll(() => page.getByTestId('job-evaluation').getAttribute('data-state'), { timeout: 300_000, interval: 250 }).toBe('done');
    const table = page.getByTestId('eval-table');
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 30_000 }).toBe(systems.length);

    const scored = (await call<Array<{ scores: Array<{ system: string; label: string }> }>>('eval.runs'))[0].scores;
    expect(scored.map((s) => s.system).sort()).toEqual(systems.map((s) => s.id).sort());
    for (const size of [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }]) {
      await page.setViewportSize(size);
      await page.waitForTimeout(300);
      const results = await box(page.getByTestId('eval-results'));
      const chart = await box(page.getByTestId('eval-chart'));
      // The table's own box is what shows of it: a table wider than that would scroll inside it.
      const scores = await box(page.getByTestId('eval-scores'));
      expect(await page.getByTestId('eval-scores').evaluate((el) => el.scrollWidth <= el.clientWidth), 'the score table fits its box').toBe(true);
      expect(overlaps(chart, scores), `chart ${JSON.stringify(chart)} and table ${JSON.stringify(scores)} at ${size.width}`).toBe(false);
      expect(inside(chart, results)).toBe(true);
      // Every system has its row in the table and its group in the chart.
      expect(await table.locator('tbody tr td:first-child').allTextContents()).toEqual(scored.map((s) => s.label));
      expect(await page.getByTestId('eval-chart').locator('text.group').count()).toBe(systems.length);
      await expect.poll(() => page.getByTestId('eval-chart').locator('rect').count()).toBe(systems.length * 5);
      for (const s of systems) expect(await page.getByTestId(`eval-system-${s.id}`).isVisible()).toBe(true);
      const perClass = page.locator('.per-class');
      const wrap = await box(perClass);
      expect(inside(wrap, results)).toBe(true);
      const overflow = await perClass.evaluate((el) => ({ y: getComputedStyle(el).overflowY, x: getComputedStyle(el).overflowX, client: el.clientWidth, panel: el.parentElement!.clientWidth }));
      expect(overflow.y).toBe('auto');
      expect(overflow.x).toBe('auto');
      expect(overflow.client).toBeLessThanOrEqual(overflow.panel);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByTestId('eval-results').scrollIntoViewIfNeeded();
    await screenshotsAtBothSizes(page, 'evaluation-results');
    expect(await pageProblems(page, problems)).toEqual([]);
  }, 400_000);
});

describe("the Library screen's folder tree", () => {
  it('opens and closes subfolders from the keyboard and browses one folder on the Search screen', async () => {
    const folders = await call<Array<{ path: string; depth: number; sounds: number }>>('library.folders');
    const parentAt = folders.findIndex((f, i) => folders[i + 1]?.depth === f.depth + 1 && f.depth === 0);
    expect(parentAt, 'a root with subfolders').toBeGreaterThanOrEqual(0);
    const root = folders[parentAt];
    const child = folders[parentAt + 1];
    await page.getByTestId('nav-library').click();
    const tree = page.getByTestId('folder-tree');
    const node = (path: string) => tree.locator(`[data-folder="${path}"]`);
    // Closed at first: only the roots show.
    await expect.poll(() => tree.getByTestId('folder-node').count()).toBe(folders.filter((f) => f.depth === 0).length);
    expect(await node(root.path).getAttribute('aria-expanded')).toBe('false');
    await node(root.path).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => node(root.path).getAttribute('aria-expanded')).toBe('true');
    expect(await node(child.path).isVisible()).toBe(true);
    const label = await node(child.path).innerText();
    expect(label).toContain(child.path.split('/').pop()!);
    expect(label).toContain(String(child.sounds));
    await screenshotsAtBothSizes(page, 'library-folder-tree');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => node(root.path).getAttribute('aria-expanded')).toBe('false');
    expect(await node(child.path).count()).toBe(0);
    // The toggle does the same with the mouse; Enter on a subfolder browses it and its subfolders.
    await node(root.path).getByTestId('folder-toggle').click();
    await node(root.path).focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-folder'))).toBe(child.path);
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('nav-search').getAttribute('aria-current')).toBe('page');
    expect(await page.getByTestId('filter-folder').inputValue()).toBe(child.path);
    await expect.poll(() => page.getByTestId('result-summary').textContent()).toContain(`${child.sounds} sound${child.sounds === 1 ? '' : 's'} in ${child.path}`);
    expect(await pageProblems(page, problems)).toEqual([]);
  });
});
