/**
 * The main screen end to end, with nothing faked but the microphone: the real web mode, the real
 * renderer in Chromium, a real SFX library scanned through the Library panel, and an ALSA file
 * device that "performs" one of the library's sounds. Record, get results, audition, select a
 * region, drag it out, mark "this is the one", and use it all from the keyboard.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../../src-main/engine/audio/decode.ts';
import { compareAt } from '../support/audio-signals.ts';
import { fakeMicPlaying, type FakeImitation } from '../support/fake-mic.ts';
import { copySfxSubset } from '../support/library-copy.ts';
import { pageProblems, watchPageProblems, watchPushedEvents, type PageProblems, type PushedEvents } from '../support/page-watch.ts';
import { smallSfxLibrary } from '../support/sfx.ts';
import { callFromPage, launchChromium, screenshot, startWebApp, type RunningApp } from '../support/web-app.ts';
import { suiteTempDir } from '../support/temp-dir.ts';

/** The sound the fake microphone performs: 1.5 s, stereo, 16-bit FLAC at 44.1 kHz. */
const SOURCE = 'sonic-pi/mehackit_phone4.flac';
const SOURCE_NAME = basename(SOURCE);
const CORRUPT = 'broken/cut-off.wav';
const LEAD_SEC = 0.4;

const work = suiteTempDir('onomato-e2e-main-');
const sfx = join(work, 'sfx');
let copied: string[];
let mic: FakeImitation;
let app: RunningApp;
let browser: Browser;
let page: Page;
let problems: PageProblems;
let pushed: PushedEvents;
const mediaRequests: string[] = [];

beforeAll(async () => {
  const library = await smallSfxLibrary();
  copied = copySfxSubset(library, sfx, 60);
  expect(copied).toContain(SOURCE);
  // A file a real library has: a WAV whose header was cut off in a copy.
  mkdirSync(join(sfx, 'broken'), { recursive: true });
  writeFileSync(join(sfx, CORRUPT), Buffer.from('RIFF\x24\x08\x00\x00WAVEfmt ', 'latin1'));
  // The fake microphone plays the sound, then silence for longer than a take may last.
  mic = await fakeMicPlaying(join(work, 'mic'), join(sfx, SOURCE), LEAD_SEC, 4);
  [app, browser] = await Promise.all([startWebApp({ dataDir: join(work, 'data'), env: { HOME: mic.home } }), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  problems = await watchPageProblems(page);
  pushed = watchPushedEvents(page);
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/media/')) mediaRequests.push(r.url());
  });
  await page.goto(app.url);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const call = <T>(method: string, args: object = {}): Promise<T> => callFromPage<T>(page, method, args);

/** The source's 16-bit samples as sox decodes them: a reference independent of the app's decoders. */
function sourcePcm16(): Int16Array[] {
  const raw = execFileSync('sox', [join(sfx, SOURCE), '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-']);
  const interleaved = new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2);
  const channels = 2;
  return Array.from({ length: channels }, (_, c) => interleaved.filter((_, i) => i % channels === c));
}

/** The largest difference, in 16-bit steps, between exported samples and the source's from `start`. */
function largestStep(exported: Float32Array[], source: Int16Array[], start: number): number {
  let worst = 0;
  exported.forEach((channel, c) => {
    for (let i = 0; i < channel.length; i++) worst = Math.max(worst, Math.abs(Math.round(channel[i] * 32768) - source[c][start + i]));
  });
  return worst;
}

/** The loudest RMS, in dB, of the frames `from` to `to` (exclusive) of `x`. */
function loudestFrameDb(x: Float32Array, frame: number, from: number, to: number): number {
  let loudest = 0;
  for (let f = from; f < to && f * frame < x.length; f++) {
    const part = x.subarray(f * frame, (f + 1) * frame);
    loudest = Math.max(loudest, part.reduce((sum, v) => sum + v * v, 0) / part.length);
  }
  return 10 * Math.log10(loudest || 1e-12);
}
const rows = () => page.getByTestId('result-row');
const settled = () => page.waitForTimeout(300); // CSS transitions (progress bars) end before a screenshot


describe('the main screen with a real library and a fake microphone', () => {
  it('scans a folder added in the Library panel, with live progress and the file that failed', async () => {
    await page.getByTestId('nav-library').click();
    await page.getByTestId('library-path').fill(sfx);
    await page.getByTestId('library-add').click();
    const scan = page.getByTestId('job-scan');
    // Progress shows while the scan runs: a count that moves, an ETA, and the failed file already listed.
    await expect
      .poll(
        async () =>
          (await scan.getAttribute('data-state')) === 'running' &&
          Number((await scan.getByTestId('job-count').textContent())?.split(' / ')[0]) >= 10 &&
          (await page.getByTestId('failures-total').textContent()) === '1',
        { timeout: 60_000, interval: 100 },
      )
      .toBe(true);
    expect(await scan.getByTestId('job-count').textContent()).toMatch(/^\d+ \/ 61$/);
    expect(await scan.getByTestId('job-eta').textContent()).toMatch(/^ETA /);
    await screenshot(page, 'library-scanning');
    await expect.poll(() => scan.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    expect(await scan.getByTestId('job-count').textContent()).toBe('61 / 61');

    await expect.poll(() => page.getByTestId('library-stats').textContent()).toMatch(/ 1 failed\s*$/);
    expect(await page.getByTestId('library-root').count()).toBe(1);
    expect(await page.getByTestId('library-root').textContent()).toContain(sfx);
    expect(await page.getByTestId('failures-total').textContent()).toBe('1');
    const failure = page.getByTestId('library-failures').locator('tbody tr');
    expect(await failure.count()).toBe(1);
    expect(await failure.textContent()).toContain(join(sfx, CORRUPT));
    await settled();
    await screenshot(page, 'library-panel');
  });

  it('keeps settings changed in the Settings screen and names the provider and data folder', async () => {
    await page.keyboard.press('Control+5');
    expect(await page.getByTestId('nav-settings').getAttribute('aria-current')).toBe('page');
    const maxTake = page.getByTestId('settings-max-take');
    await maxTake.fill('3');
    await maxTake.press('Tab');
    await expect.poll(async () => (await call<{ maxTakeSec: number }>('settings.get')).maxTakeSec).toBe(3);
    // The fake device is ALSA's default; the list shows what PortAudio found.
    expect(await page.getByTestId('settings-device').locator('option').first().textContent()).toMatch(/^System default \(default\)/);
    expect(await page.getByTestId('settings-data-dir').textContent()).toBe(app.dataDir);
    await expect.poll(() => page.getByTestId('settings-provider').textContent(), { timeout: 30_000 }).toBe('cpu');
    await maxTake.blur();
    await settled();
    await screenshot(page, 'settings');
  });

  it('records a take with Space and shows its matches without another key, its source near the top', async () => {
    await page.keyboard.press('Control+1');
    expect(await page.getByTestId('nav-search').getAttribute('aria-current')).toBe('page');
    await page.locator('body').focus();
    await page.keyboard.press('Space');

    await expect.poll(() => rows().count(), { timeout: 60_000 }).toBeGreaterThan(10);
    expect(await page.getByTestId('status-latency').textContent()).toMatch(/^take to results \d+ ms$/);
    const latency = Number((await page.getByTestId('status-latency').textContent())?.match(/\d+/)?.[0]);
    expect(latency).toBeGreaterThan(0);
    expect(latency).toBeLessThan(10_000);
    // The recorder is ready again once the take ended by itself at the longest take.
    await expect.poll(() => page.getByTestId('record-state').textContent()).toBe('Ready');
    expect(await page.getByTestId('record-button').getAttribute('aria-pressed')).toBe('false');
    const ended = pushed.frames.find((f) => f.event === 'capture.ended')?.payload as { reason: string; take: { durationSec: number } } | undefined;
    expect(ended?.reason).toBe('max-length');
    const levels = pushed.frames.filter((f) => f.event === 'capture.level').map((f) => f.payload as { peak: number; elapsedSec: number });
    // About 30 levels a second of audio, and the meter saw the sound.
    expect(levels.length).toBe(90);
    expect(Math.max(...levels.map((l) => l.peak))).toBeGreaterThan(0.1);
    expect(levels.filter((l) => l.elapsedSec < LEAD_SEC - 0.05).every((l) => l.peak === 0)).toBe(true);

    const names = await page.getByTestId('result-row').locator('.name').allTextContents();
    const rank = names.indexOf(SOURCE_NAME) + 1;
    expect(rank, `the source ranked ${rank} in ${names.slice(0, 5).join(', ')}`).toBeGreaterThanOrEqual(1);
    expect(rank).toBeLessThanOrEqual(3);
    expect(await page.getByTestId('result-summary').textContent()).toMatch(/\d+ matches of 60 sounds/);
    await settled();
    await screenshot(page, 'main-screen');

    // The take in the data folder is the fed sound, sample for sample, trimmed of its silence.
    const takes = readdirSync(join(app.dataDir, 'takes')).filter((f) => f.endsWith('.wav'));
    expect(takes).toHaveLength(1);
    const take = await decodeAudio(join(app.dataDir, 'takes', takes[0]));
    expect(take.sampleRate).toBe(mic.rate);
    expect(take.channels).toHaveLength(1);
    expect(take.durationSec).toBeCloseTo(ended!.take.durationSec, 3);
    const samples = take.channels[0];
    let best = { lag: -1, r: -Infinity, worst: Infinity };
    // Trimming keeps a little silence before the sound starts: look for the take a bit before it.
    for (let lag = mic.leadSamples - Math.round(0.2 * mic.rate); lag <= mic.leadSamples; lag++) {
      const c = compareAt(samples, mic.fed, lag);
      if (c.r > best.r) best = { lag, ...c };
    }
    expect(best.r).toBeGreaterThan(0.99999);
    expect(best.worst).toBeLessThan(1e-6);
    // Trimmed only where the take is quieter than the silence threshold (-45 dB RMS in 10 ms
    // frames, counted from the take's first sample, which is the device's first).
    const frame = Math.round(mic.rate / 100);
    expect(loudestFrameDb(mic.fed, frame, 0, Math.floor(best.lag / frame))).toBeLessThan(-45);
    expect(loudestFrameDb(mic.fed, frame, Math.ceil((best.lag + samples.length) / frame), Infinity)).toBeLessThan(-45);
    expect(loudestFrameDb(samples, frame, 0, 10)).toBeGreaterThan(-45);
  });

  it('auditions with the arrow keys and Enter, from media URLs that serve only library files', async () => {
    const before = mediaRequests.length;
    await page.keyboard.press('ArrowDown');
    const second = rows().nth(1);
    expect(await second.getAttribute('aria-selected')).toBe('true');
    expect(await rows().nth(0).getAttribute('aria-selected')).toBe('false');
    const id = await second.getAttribute('data-sound-id');
    expect(await page.getByTestId('preview-name').textContent()).toBe(await second.locator('.name').textContent());
    // Auto-play is on by default: moving auditions, from the sound's own media URL.
    await expect.poll(() => mediaRequests.slice(before).map((u) => new URL(u).pathname)).toContain(`/media/sound/${id}`);
    await expect.poll(() => page.getByTestId('preview-play').getAttribute('aria-label')).toBe('Stop');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('preview-play').getAttribute('aria-label')).toBe('Play');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('preview-play').getAttribute('aria-label')).toBe('Stop');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('preview-play').getAttribute('aria-label')).toBe('Play');

    // Asked from outside the page (Chromium logs every 404 as a console error), with the token.
    const token = new URL(app.url).searchParams.get('token')!;
    const status = async (path: string) => (await fetch(new URL(path, app.url), { headers: { 'x-onomato-token': token } })).status;
    const statuses = await Promise.all([
      `/media/sound/${id}`,
      '/media/sound/999999',
      '/media/sound/..%2F..%2F..%2Fetc%2Fpasswd',
      `/media/sound/${encodeURIComponent(join(sfx, SOURCE))}`,
      '/media/export/..%2Flibrary.sqlite',
      `/media/export/${encodeURIComponent(join(app.dataDir, 'library.sqlite'))}`,
      '/media/file/%2Fetc%2Fpasswd',
      '/media/take/1abc',
    ].map(status));
    expect(statuses).toEqual([200, 404, 404, 404, 404, 404, 404, 404]);
  });

  it('selects a region by dragging on the waveform and exports exactly that region with the D key', async () => {
    // Back to the source itself: a click on its row.
    const sourceRow = rows().filter({ has: page.locator('.name', { hasText: SOURCE_NAME }) });
    await sourceRow.click();
    expect(await sourceRow.getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Escape'); // stop the audition the click started
    const canvas = page.getByTestId('preview-waveform').locator('canvas');
    const box = (await canvas.boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.2, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, y, { steps: 4 });
    await page.mouse.move(box.x + box.width * 0.7, y, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('preview-region').isVisible()).toBe(true);
    expect(await page.getByTestId('preview-drag').textContent()).toContain('Drag region');
    await settled();
    await screenshot(page, 'main-screen-region');

    const [response, download] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/api/drag.start'),
      page.waitForEvent('download'),
      page.keyboard.press('d'),
    ]);
    const asked = response.request().postDataJSON() as { items: Array<{ soundId: number; region?: { startSec: number; endSec: number } }> };
    const reply = (await response.json()) as { ok: boolean; value: { files: string[]; downloads: string[] } };
    expect(reply.ok).toBe(true);
    expect(asked.items).toHaveLength(1);
    expect(String(asked.items[0].soundId)).toBe(await sourceRow.getAttribute('data-sound-id'));
    const region = asked.items[0].region!;
    // The drag covered 20 % to 70 % of the 1.53 s sound.
    expect(region.startSec).toBeCloseTo(0.2 * 1.53, 1);
    expect(region.endSec).toBeCloseTo(0.7 * 1.53, 1);

    const [file] = reply.value.files;
    expect(file.startsWith(join(app.dataDir, 'exports') + '/')).toBe(true);
    expect(download.suggestedFilename()).toBe(basename(file));
    expect(await page.getByTestId('status-message').textContent()).toContain(`Downloading ${basename(file)}`);

    const exported = await decodeAudio(file);
    const source = await decodeAudio(join(sfx, SOURCE));
    expect(exported.format).toBe('wav');
    expect(exported.sampleRate).toBe(source.sampleRate);
    expect(exported.bitDepth).toBe(source.bitDepth);
    expect(exported.channels).toHaveLength(source.channels.length);
    expect(exported.metadata.description).toContain(join(sfx, SOURCE));
    const start = Math.round(region.startSec * source.sampleRate);
    const end = Math.round(region.endSec * source.sampleRate);
    expect(exported.channels[0].length).toBe(end - start);
    // Between its 5 ms fades (the default), bit for bit the source's own 16-bit samples, as sox
    // (not the app's decoders) reads them; the fades start and end near silence.
    const fade = Math.round(0.005 * source.sampleRate);
    expect(largestStep(exported.channels.map((c) => c.subarray(fade, c.length - fade)), sourcePcm16(), start + fade)).toBe(0);
    expect(exported.metadata.description).toContain('fades 5 ms');
  });

  it('keeps "this is the one" (Y) as a training pair the Training screen lists', async () => {
    await page.keyboard.press('y');
    await expect.poll(() => page.getByTestId('status-message').textContent()).toContain(`Kept as a training pair: this take → ${SOURCE_NAME}`);
    const pairs = await call<Array<{ soundName: string; origin: string }>>('pairs.list');
    expect(pairs).toEqual([expect.objectContaining({ soundName: SOURCE_NAME, origin: 'match' })]);
    await page.keyboard.press('Control+3');
    await expect.poll(() => page.getByTestId('pair-row').count()).toBe(1);
    expect(await page.getByTestId('pair-row').textContent()).toContain(SOURCE_NAME);
    await page.keyboard.press('Control+1');
  });

  it('searches with a library sound for "more like this" (M)', async () => {
    const sourceId = await rows().filter({ has: page.locator('.name', { hasText: SOURCE_NAME }) }).getAttribute('data-sound-id');
    const [response] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/api/search.similar'), page.keyboard.press('m')]);
    expect(response.request().postDataJSON()).toMatchObject({ soundId: Number(sourceId) });
    await expect.poll(() => page.getByTestId('result-summary').textContent()).toContain(`more like ${SOURCE_NAME}`);
    expect(await rows().count()).toBeGreaterThan(5);
    // "This is the one" needs a take as the query.
    expect(await page.getByTestId('mark-the-one').isDisabled()).toBe(true);
    // Back to the take, from the history with the keyboard.
    await page.keyboard.press('[');
    await expect.poll(() => page.getByTestId('result-summary').textContent()).not.toContain('more like');
    expect(await page.getByTestId('mark-the-one').isDisabled()).toBe(false);
  });

  it('works from the keyboard alone: Tab reaches every control with a visible focus ring', async () => {
    await page.locator('body').focus();
    const seen: Array<{ what: string; ring: boolean }> = [];
    // Enough presses to come round again past every control of the screen (filters, sort headers, marks).
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        // The waveform's canvas draws its ring on its frame; rows and lists may use a shadow.
        const ring = [el, el.parentElement].some((e) => {
          if (!e) return false;
          const s = getComputedStyle(e);
          return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) || s.boxShadow !== 'none';
        });
        const what = el.dataset.testid ?? el.getAttribute('aria-label') ?? `${el.tagName.toLowerCase()} ${el.textContent?.trim().slice(0, 30)}`;
        return { what, ring };
      });
      if (!focused) continue;
      if (seen.length && seen[0].what === focused.what) break;
      seen.push(focused);
    }
    const reached = seen.map((s) => s.what);
    for (const testid of ['nav-search', 'nav-settings', 'record-button', 'filter-text', 'result-list', 'preview-play', 'preview-drag', 'mark-the-one']) {
      expect(reached).toContain(testid);
    }
    expect(seen.filter((s) => !s.ring).map((s) => s.what)).toEqual([]);
  });

  it('names every control for assistive technology on every screen', async () => {
    const unnamed: string[] = [];
    for (const key of ['1', '2', '3', '4', '5']) {
      await page.keyboard.press(`Control+${key}`);
      await page.waitForTimeout(200);
      const tree = await page.locator('body').ariaSnapshot();
      for (const line of tree.split('\n')) {
        if (/^\s*- (button|textbox|combobox|slider|checkbox|spinbutton|listbox|searchbox|radio|switch|link|meter|progressbar)\s*(:|$|\[)/.test(line)) unnamed.push(`screen ${key}: ${line.trim()}`);
      }
    }
    expect(unnamed).toEqual([]);
  });

  it('opens every screen without an error in the status line', async () => {
    const errors: string[] = [];
    await page.keyboard.press('Control+1');
    const dismissFirst = page.getByRole('button', { name: 'Dismiss message' });
    if (await dismissFirst.count()) await dismissFirst.click();
    for (const key of ['2', '3', '4', '5', '1']) {
      await page.keyboard.press(`Control+${key}`);
      await page.waitForTimeout(500);
      const message = page.getByTestId('status-message');
      const text = (await message.textContent())?.trim();
      if (text && (await message.evaluate((el) => el.classList.contains('error')))) errors.push(`screen ${key}: ${text}`);
      const dismiss = page.getByRole('button', { name: 'Dismiss message' });
      if (await dismiss.count()) await dismiss.click();
    }
    expect(errors).toEqual([]);
  });

  it('logged no console errors, page errors or CSP violations', async () => {
    expect(await pageProblems(page, problems)).toEqual([]);
  });
});
