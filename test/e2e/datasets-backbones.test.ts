/**
 * Real imitations within reach, in the browser: Settings -> Model lists the backbones and takes a
 * checkpoint file; the Training screen shows a dataset's source and licence, fetches it from a
 * (local) server as a job, and puts the fetched folder in its import field.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer, type FileServer } from '../support/file-server.ts';
import { buildSoxQvimDev } from '../support/imitation-datasets.ts';
import { pageProblems, type PageProblems } from '../support/page-watch.ts';
import type { Job, SearchResult } from '../../src-main/contract/schema.ts';
import { DEFAULT_HEADS_ID } from '../../src-main/engine/model-version/versions.ts';
import { copySfxSubset } from '../support/library-copy.ts';
import { smallSfxLibrary } from '../support/sfx.ts';
import { callFromPage, closeAppInChromium, openAppInChromium, screenshot, type RunningApp } from '../support/web-app.ts';
import { zipFolder } from '../support/zip-writer.ts';
import { MODEL_FIXTURES } from '../unit/model/fixture-files.ts';
import { suiteTempDir } from '../support/temp-dir.ts';

const work = suiteTempDir('onomato-e2e-datasets-');
let server: FileServer;
let app: RunningApp;
let browser: Browser;
let page: Page;
let problems: PageProblems;

beforeAll(async () => {
  buildSoxQvimDev(join(work, 'src-dev'), 3);
  copySfxSubset(await smallSfxLibrary(), join(work, 'sounds'), 12);
  const zip = Buffer.from(zipFolder(join(work, 'src-dev')));
  server = await startFileServer({ '/jku/qvim-dev.zip': { body: zip, chunkDelayMs: 5 } });
  const catalogue = join(work, 'catalogue.json');
  writeFileSync(catalogue, JSON.stringify({ 'qvim-dev': { url: server.url('/jku/qvim-dev.zip'), sha256: createHash('sha256').update(zip).digest('hex'), bytes: zip.length } }));
  ({ app, browser, page, problems } = await openAppInChromium({ dataDir: join(work, 'data'), env: { ONOMATO_CATALOGUE: catalogue }, viewport: { width: 1280, height: 900 } }));
}, 180_000);

afterAll(async () => {
  await closeAppInChromium({ app, browser });
  await server?.close();
});

describe('backbones and datasets in the app', () => {
  it('Settings -> Model lists the known backbones and adds a checkpoint file', async () => {
    await page.getByTestId('nav-settings').click();
    const table = page.getByTestId('backbones');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    expect(await page.getByTestId('backbone-mn04_as').innerText()).toMatch(/384-d\s+one for both\s+3\.9 MiB\s+MIT\s+EfficientAT/);
    expect(await page.getByTestId('backbone-qvim_baseline').innerText()).toMatch(/960-d\s+imitation \+ reference\s+not published/);
    await page.getByTestId('backbone-path').fill(join(MODEL_FIXTURES, 'qvim-two-tower-w01.bin'));
    await page.getByTestId('backbone-add').click();
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 30_000 }).toBe(4);
    expect(await page.getByTestId('backbone-qvim-two-tower-w01').innerText()).toMatch(/96-d\s+imitation \+ reference/);
    expect(await page.getByTestId('backbone-qvim-two-tower-w01').getByTestId('backbone-state').innerText()).toBe('on this machine');
  });

  it('the Training screen shows the source and licence, fetches QVIM DEV as a job and uses its folder', async () => {
    await page.getByTestId('nav-training').click();
    await page.getByText('Real imitations: VimSketch and QVIM DEV').click();
    const dev = page.getByTestId('dataset-qvim-dev');
    expect(await dev.getAttribute('data-state')).toBe('absent');
    await dev.getByTestId('dataset-get').click();
    const notice = await dev.getByTestId('dataset-notice').innerText();
    expect(notice).toMatch(/^QVIM DEV: 121 reference sounds and 985 vocal imitations/);
    expect(notice).toMatch(/\nSource: AES AIMLA Challenge 2025/);
    expect(notice).toMatch(/\nLicence: /);
    expect(notice).toContain(server.url('/jku/qvim-dev.zip'));
    await dev.getByTestId('dataset-download').click();
    await expect.poll(() => dev.getAttribute('data-state'), { timeout: 60_000 }).toBe('present');
    expect(await dev.getByTestId('dataset-counts').innerText()).toBe('6 references, 15 imitations');
    await dev.getByTestId('dataset-use').click();
    expect(await page.getByTestId('pairs-import-path').inputValue()).toBe(join(app.dataDir, 'datasets', 'qvim-dev'));
    await screenshot(page, 'training-datasets');
    expect(await pageProblems(page, problems)).toEqual([]);
  }, 90_000);

  it('Settings -> Model switches the library to the added backbone as a job that pauses and resumes; search keeps the old model until it is done', async () => {
    const { job: scan } = await callFromPage<{ job: Job }>(page, 'library.addRoot', { path: join(work, 'sounds') });
    await expect.poll(async () => (await callFromPage<Job[]>(page, 'jobs.list')).find((j) => j.id === scan.id && j.kind === 'scan')?.state, { timeout: 90_000 }).toBe('done');
    await page.getByTestId('nav-settings').click();
    const row = page.getByTestId('backbone-qvim-two-tower-w01');
    await row.getByTestId('backbone-use').click();
    const panel = page.getByTestId('backbone-switch');
    await panel.getByTestId('job-pause').click();
    await expect.poll(() => panel.getByTestId('job-backbone').getAttribute('data-state'), { timeout: 30_000 }).toBe('paused');
    expect(await panel.getByTestId('job-count').innerText()).toMatch(/^\d+ \/ 12$/);
    expect(await panel.innerText()).toMatch(/search uses the current model until every sound is done/);
    // Every other "Use" waits while one switch runs.
    expect(await page.getByTestId('backbone-mn10_as').getByTestId('backbone-use').isDisabled()).toBe(true);
    const during = await callFromPage<SearchResult>(page, 'search.similar', { soundId: 1, top: 3 });
    expect(during.model).toBe(DEFAULT_HEADS_ID);
    await page.setViewportSize({ width: 1280, height: 720 });
    await panel.evaluate((e) => e.scrollIntoView({ block: 'end', inline: 'nearest' }));
    await screenshot(page, 'settings-backbone-switch-paused');
    await panel.getByTestId('job-resume').click();
    await expect.poll(() => row.getByTestId('backbone-state').innerText(), { timeout: 90_000 }).toBe('in use');
    expect(await page.getByTestId('backbone-mn04_as').getByTestId('backbone-state').innerText()).toBe('on this machine');
    await expect.poll(() => page.getByTestId('status-model').textContent()).toContain('untrained-qvim-two-tower-w01 · cpu');
    const after = await callFromPage<SearchResult>(page, 'search.similar', { soundId: 1, top: 3 });
    expect(after.model).toBe('untrained-qvim-two-tower-w01');
    await screenshot(page, 'settings-backbone-in-use');
    expect(await pageProblems(page, problems)).toEqual([]);
  }, 180_000);
});
