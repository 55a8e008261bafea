/**
 * The library browser a Soundly/BaseHead/Sononym user expects, end to end: the real web mode and
 * engine on a real SFX library (some files renamed as a sound designer would name them), the
 * real renderer in Chromium. Text that ranks, clean exports, takes, the result list, the user's
 * own metadata and audition, each checked in the page and, where it matters, in the files and
 * the database. Screenshots at 1280x720 and 1920x1080 are looked at by eye.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../src-main/engine/audio/decode.ts';
import { copySfxSubset } from '../support/library-copy.ts';
import { pageProblems, type PageProblems } from '../support/page-watch.ts';
import { smallSfxLibrary } from '../support/sfx.ts';
import { callFromPage, closeAppInChromium, openAppInChromium, screenshotsAtBothSizes, type RunningApp } from '../support/web-app.ts';
import { suiteTempDir } from '../support/temp-dir.ts';

/** Files copied under the names a sound designer gives them (source in the small set -> name here). */
const NAMED: Record<string, string> = {
  'wordwarvi/big_explosion.ogg': 'explosions/explosion_big_close.ogg',
  'wordwarvi/bombexplosion.ogg': 'explosions/explosion_bomb.ogg',
  // An explosion under a name that does not say so: only the model's guessed tag can find it.
  'minetest/tnt/tnt_explode.ogg': 'misc/impact_far_01.ogg',
  'minetest/default/default_gravel_footstep.2.ogg': 'foley/steps gravel slow.ogg',
  'minetest/default/default_wood_footstep.1.ogg': 'foley/steps wood.ogg',
};

const work = suiteTempDir('onomato-e2e-browser-');
const sfx = join(work, 'sfx');
let app: RunningApp;
let browser: Browser;
let page: Page;
let problems: PageProblems;

beforeAll(async () => {
  const library = await smallSfxLibrary();
  copySfxSubset(library, join(sfx, 'assorted'), 16);
  for (const [from, to] of Object.entries(NAMED)) {
    mkdirSync(dirname(join(sfx, to)), { recursive: true });
    cpSync(join(library, from), join(sfx, to));
  }
  // A sound whose first second is silence: playback from the match must skip to where it sounds.
  const rate = 44100;
  const late = new Float32Array(Math.round(1.5 * rate));
  for (let i = rate; i < late.length; i++) late[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate);
  mkdirSync(join(sfx, 'tones'), { recursive: true });
  await writeWav(join(sfx, 'tones', 'late tone.wav'), { channels: [late, late], sampleRate: rate, bitDepth: 16 });
  ({ app, browser, page, problems } = await openAppInChromium({ dataDir: join(work, 'data'), viewport: { width: 1280, height: 720 }, acceptDownloads: true }));
});

afterAll(() => closeAppInChromium({ app, browser }));

function call<T>(method: string, args: object = {}): Promise<T> {
  return callFromPage<T>(page, method, args);
}

const shots = (name: string) => screenshotsAtBothSizes(page, name);

const rows = () => page.getByTestId('result-row');
const names = () => rows().locator('.name').allTextContents();

interface SoundView { id: number; name: string; tags: Array<{ label: string; probability: number }>; favourite: boolean; rating: number; userTags: string[] }
interface ResultView { matches: Array<{ sound: SoundView; score: number }>; total: number; textMatched: number | null }

async function typeWords(text: string): Promise<void> {
  const box = page.getByTestId('filter-text');
  await box.fill(text);
  await expect.poll(async () => (await page.getByTestId('result-summary').textContent().catch(() => ''))?.includes(`“${text}”`) ?? false).toBe(true);
}

describe('the library browser', () => {
  it('leads from an empty Search screen to the Library, and calls a missing folder a folder', async () => {
    await expect.poll(() => page.getByTestId('empty-library').isVisible()).toBe(true);
    await shots('first-run');
    await page.getByTestId('go-to-library').click();
    expect(await page.getByTestId('nav-library').getAttribute('aria-current')).toBe('page');
    await page.getByTestId('library-path').fill(join(work, 'no-such-folder'));
    await page.getByTestId('library-add').click();
    await expect.poll(() => page.getByTestId('status-message').textContent()).toBe(`${join(work, 'no-such-folder')}: this folder does not exist`);
    await page.getByRole('button', { name: 'Dismiss message' }).click();
  });

  it('scans the library; a paused scan says paused and the folder table counts what is indexed so far', async () => {
    await page.getByTestId('library-path').fill(sfx);
    await page.getByTestId('library-add').click();
    const scan = page.getByTestId('job-scan');
    await expect.poll(async () => Number((await scan.getByTestId('job-count').textContent())?.split(' / ')[0]), { timeout: 120_000, interval: 50 }).toBeGreaterThanOrEqual(2);
    await scan.getByTestId('job-pause').click();
    await expect.poll(() => scan.getAttribute('data-state')).toBe('paused');
    await page.waitForTimeout(1500); // the file in hand is finished
    expect(await scan.getByTestId('job-eta').textContent()).toBe('paused');
    expect(await page.getByTestId('status-job-figures').textContent()).toMatch(/ · paused$/);
    const indexed = (await call<{ sounds: number }>('library.stats')).sounds;
    expect(indexed).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('root-sounds').textContent()).toBe(String(indexed));
    await shots('scan-paused');
    await scan.getByTestId('job-resume').click();
    await expect.poll(() => scan.getAttribute('data-state'), { timeout: 240_000 }).toBe('done');
    await expect.poll(() => page.getByTestId('root-sounds').textContent()).toBe(String(16 + Object.keys(NAMED).length + 1));
    await page.getByTestId('nav-search').click();
  });

  it('ranks sounds by typed words with no take: files named for the word before a guessed tag', async () => {
    await typeWords('explosion');
    expect(await page.getByTestId('result-summary').getAttribute('data-ranking')).toBe('words');
    expect(await page.getByTestId('result-summary').textContent()).toMatch(/ranked by the words/);
    const shown = await names();
    expect(shown.slice(0, 2).sort()).toEqual(['explosion_big_close.ogg', 'explosion_bomb.ogg']);
    // The explosion named "impact" is found only by the tag the model guessed, and comes after.
    const byTag = await call<ResultView>('search.text', { text: 'explosion' });
    const impact = byTag.matches.find((m) => m.sound.name === 'impact_far_01.ogg');
    expect(impact?.sound.tags.map((t) => t.label)).toContain('Explosion');
    expect(shown.indexOf('impact_far_01.ogg')).toBeGreaterThan(1);
    for (let i = 1; i < byTag.matches.length; i++) expect(byTag.matches[i - 1].score).toBeGreaterThanOrEqual(byTag.matches[i].score);
    // Nothing played: typing is not auditioning.
    expect(await page.getByTestId('preview-play').getAttribute('aria-label')).toBe('Play');
    await shots('text-search');
  });

  it('honours quoted phrases and -word exclusions', async () => {
    await typeWords('steps -wood');
    expect(await names()).toEqual(['steps gravel slow.ogg']);
    await typeWords('"gravel slow"');
    expect(await names()).toEqual(['steps gravel slow.ogg']);
    await typeWords('"slow gravel"');
    expect(await rows().count()).toBe(0);
    expect(await page.getByTestId('result-empty').textContent()).toContain('No sound matches these words');
    await typeWords('explosion -"big close"');
    expect(await names()).not.toContain('explosion_big_close.ogg');
    expect(await names()).toContain('explosion_bomb.ogg');
  });

  it('states the ranking when a take and words are used together', async () => {
    const file = join(sfx, 'explosions', 'explosion_bomb.ogg');
    const data = (await import('node:fs')).readFileSync(file).toString('base64');
    const take = await call<{ id: number }>('takes.import', { name: 'my-boom.ogg', dataBase64: data });
    await page.reload();
    await expect.poll(() => page.getByTestId('take-select').inputValue()).toBe(String(take.id));
    await typeWords('explosion');
    const summary = page.getByTestId('result-summary');
    expect(await summary.getAttribute('data-ranking')).toBe('voice-among-words');
    const expected = await call<ResultView>('search.text', { text: 'explosion' });
    expect(await summary.textContent()).toContain(`voice score among the ${expected.total} sounds matching “explosion”`);
    // The dropped file is a library sound itself: the voice ranks it first among the words' sounds.
    expect((await names())[0]).toBe('explosion_bomb.ogg');
    expect(await rows().count()).toBe(expected.total);
    await shots('text-and-voice');
    await page.getByTestId('rank-by-words').click();
    await expect.poll(() => summary.getAttribute('data-ranking')).toBe('words');
    expect(await page.getByTestId('take-select').inputValue()).toBe('words');
  });

  it('explains a refused setting beside its field and keeps the stored value there', async () => {
    await page.getByTestId('nav-settings').click();
    const maxTake = page.getByTestId('settings-max-take');
    await maxTake.fill('0.1');
    await maxTake.press('Tab');
    expect(await page.getByTestId('problem-max-take').textContent()).toBe('The longest take must be at least 1 s.');
    expect(await maxTake.inputValue()).toBe('10');
    expect((await call<{ maxTakeSec: number }>('settings.get')).maxTakeSec).toBe(10);
    const fade = page.getByTestId('settings-fade');
    await fade.fill('-1');
    await fade.press('Tab');
    expect(await page.getByTestId('problem-fade').textContent()).toBe('The export fade must be at least 0 ms.');
    expect(await fade.inputValue()).toBe('5');
    await shots('settings-problem');
    // No developer message in the status line, here or on the next screen.
    expect((await page.getByTestId('status-message').textContent())?.trim()).toBe('');
    await fade.fill('10');
    await fade.press('Tab');
    const template = page.getByTestId('settings-name-template');
    await template.fill('{category}_{name}_{length}s');
    await template.press('Tab');
    await expect.poll(async () => (await call<{ exportFadeMs: number; exportNameTemplate: string }>('settings.get')).exportNameTemplate).toBe('{category}_{name}_{length}s');
    expect((await call<{ exportFadeMs: number }>('settings.get')).exportFadeMs).toBe(10);
    expect(await page.getByTestId('problem-fade').count()).toBe(0);
    await page.getByTestId('nav-search').click();
    expect((await page.getByTestId('status-message').textContent())?.trim()).toBe('');
  });

  it('exports a region with the fade and the name template from Settings', async () => {
    await typeWords('explosion_big');
    await rows().first().click();
    await page.keyboard.press('Escape');
    const canvas = page.getByTestId('preview-waveform').locator('canvas');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('preview-region').isVisible()).toBe(true);
    const [response, download] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/api/drag.start'),
      page.waitForEvent('download'),
      page.getByTestId('preview-drag').click(),
    ]);
    const reply = (await response.json()) as { value: { files: string[] } };
    const [file] = reply.value.files;
    expect(download.suggestedFilename()).toMatch(/^uncategorised_explosion_big_close_1\.\d{3}s\.wav$/);
    const { decodeAudio } = await import('../../src-main/engine/audio/decode.ts');
    const out = await decodeAudio(file);
    expect(out.metadata.description).toContain('fades 10 ms');
    const peak = out.channels[0].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(Math.abs(out.channels[0][0])).toBeLessThan(0.005 * peak);
    expect(Math.abs(out.channels[0].at(-1)!)).toBeLessThan(0.005 * peak);
  });

  it('drags the whole selection from the Drag button, as D does', async () => {
    await typeWords('steps');
    expect(await rows().count()).toBe(2);
    await rows().nth(0).click();
    await rows().nth(1).click({ modifiers: ['Control'] });
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('preview-drag').textContent()).toContain('Drag 2 sounds');
    const ids = await Promise.all([0, 1].map(async (i) => Number(await rows().nth(i).getAttribute('data-sound-id'))));
    for (const press of [() => page.getByTestId('preview-drag').click(), () => page.keyboard.press('d')]) {
      const [response] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/api/drag.start'), press()]);
      const asked = response.request().postDataJSON() as { items: Array<{ soundId: number }> };
      expect(asked.items.map((i) => i.soundId).sort()).toEqual([...ids].sort());
    }
    await shots('drag-selection');
  });

  it('names a take, marks Y visibly with undo, and deletes a take with undo (asking first when it teaches pairs)', async () => {
    await page.getByTestId('filter-text').fill('');
    await expect.poll(() => rows().count()).toBe(0);
    await page.getByTestId('take-select').focus();
    await page.getByTestId('take-select').selectOption({ label: (await page.getByTestId('take-select').locator('option').nth(1).textContent()) ?? '' });
    await expect.poll(() => page.getByTestId('result-summary').getAttribute('data-ranking')).toBe('voice');
    // The dropdown gave the keys back: Space records (the request goes out) and ↓ moves to the second result.
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('SELECT');
    const takeBefore = await page.getByTestId('take-select').inputValue();
    expect(await rows().nth(0).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowDown');
    expect(await rows().nth(1).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByTestId('take-select').inputValue()).toBe(takeBefore);
    const [capture] = await Promise.all([page.waitForRequest((r) => new URL(r.url()).pathname === '/api/capture.start'), page.keyboard.press('Space')]);
    expect(capture).toBeTruthy();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Dismiss message' }).click().catch(() => undefined);

    await page.getByTestId('take-rename').click();
    await page.getByTestId('take-name').fill('big boom, low');
    await page.getByTestId('take-name').press('Enter');
    await expect.poll(() => page.getByTestId('take-select').locator('option:checked').textContent()).toContain('big boom, low');
    expect((await call<Array<{ name: string }>>('takes.list'))[0].name).toBe('big boom, low');

    await rows().nth(1).click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('y');
    await expect.poll(() => rows().nth(1).getByTestId('kept-badge').isVisible()).toBe(true);
    expect(await page.getByTestId('status-action').textContent()).toBe('Undo');
    await shots('kept-pair');
    await page.getByTestId('status-action').click();
    await expect.poll(() => rows().nth(1).getByTestId('kept-badge').count()).toBe(0);
    expect(await call<unknown[]>('pairs.list')).toEqual([]);
    await page.keyboard.press('y');
    await expect.poll(async () => (await call<unknown[]>('pairs.list')).length).toBe(1);
    await expect.poll(() => rows().nth(1).getByTestId('kept-badge').isVisible()).toBe(true);

    // This take teaches a pair now: Delete asks first, then offers Undo.
    await page.getByTestId('take-delete').click();
    expect(await page.getByTestId('take-delete-confirm').textContent()).toContain('Teaches 1 training pair');
    await shots('take-delete-confirm');
    await page.getByTestId('take-delete-yes').click();
    await expect.poll(async () => (await call<unknown[]>('takes.list')).length).toBe(0);
    await page.getByTestId('status-action').click();
    await expect.poll(async () => (await call<Array<{ name: string }>>('takes.list')).map((t) => t.name)).toEqual(['big boom, low']);
    await expect.poll(() => page.getByTestId('take-select').locator('option:checked').textContent()).toContain('big boom, low');
  });

  it("keeps the user's own marks: star (F), rating, tags for a selection, dismissed guesses, collections dragged out whole", async () => {
    await page.getByTestId('take-select').focus();
    await page.getByTestId('take-select').selectOption('words');
    await typeWords('steps');
    expect(await rows().count()).toBe(2);
    const ids = await Promise.all([0, 1].map(async (i) => Number(await rows().nth(i).getAttribute('data-sound-id'))));
    await rows().nth(0).click();
    await rows().nth(1).click({ modifiers: ['Control'] });
    await page.keyboard.press('Escape');
    await page.keyboard.press('f');
    await expect.poll(() => rows().getByTestId('star').evaluateAll((els) => els.map((e) => e.getAttribute('aria-pressed')))).toEqual(['true', 'true']);
    await page.getByTestId('rate-4').click();
    await page.getByTestId('add-tag').fill('hero, gravel-ish');
    await page.getByTestId('add-tag').press('Enter');
    await expect.poll(() => rows().getByTestId('row-user-tags').allTextContents()).toEqual(['gravel-ish, hero', 'gravel-ish, hero']);
    const now = await call<ResultView>('search.text', { text: '', filters: { tags: ['hero'] } });
    expect(now.matches.map((m) => m.sound.id).sort()).toEqual([...ids].sort());
    expect(now.matches.every((m) => m.sound.favourite && m.sound.rating === 4)).toBe(true);
    // An AudioSet guess shown with its confidence, dismissed as wrong.
    const guess = page.getByTestId('guessed-tag').first();
    const label = (await guess.textContent())!.replace(/\s*\d+%\?×?\s*$/, '').trim();
    expect(await guess.textContent()).toMatch(/\d+%\?/);
    const focusedId = Number(await page.locator('.result.cursor').getAttribute('data-sound-id'));
    await guess.getByTestId('dismiss-tag').click();
    await expect.poll(async () => (await call<SoundView>('library.sound', { soundId: focusedId })).tags.map((t) => t.label)).not.toContain(label);
    await page.getByTestId('add-to-collection').fill('Foley picks');
    await page.getByTestId('add-to-collection').press('Enter');
    await expect.poll(() => call<Array<{ name: string; sounds: number }>>('collections.list')).toEqual([expect.objectContaining({ name: 'Foley picks', sounds: 2 })]);
    await shots('user-marks');

    // Browse the favourites, then the collection, and drag the collection out whole.
    await page.getByTestId('filter-text').fill('');
    await page.getByTestId('filter-show').selectOption('favourites');
    await expect.poll(async () => (await names()).sort()).toEqual(['steps gravel slow.ogg', 'steps wood.ogg']);
    const [collection] = await call<Array<{ id: number }>>('collections.list');
    await page.getByTestId('filter-show').selectOption(`c${collection.id}`);
    await expect.poll(() => rows().count()).toBe(2);
    const [response] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/api/drag.start'), page.getByTestId('drag-collection').click()]);
    expect((response.request().postDataJSON() as { items: Array<{ soundId: number }> }).items.map((i) => i.soundId).sort()).toEqual([...ids].sort());
    await shots('collection');

    // A rescan keeps every mark (they belong to the content, not to the scan).
    const job = await call<{ id: number }>('library.rescan', {});
    await expect.poll(async () => (await call<Array<{ id: number; state: string }>>('jobs.list')).find((j) => j.id === job.id)?.state, { timeout: 60_000 }).toBe('done');
    const after = await call<ResultView>('search.text', { text: '', filters: { tags: ['hero'] } });
    expect(after.matches.map((m) => [m.sound.favourite, m.sound.rating, m.sound.userTags])).toEqual([[true, 4, ['gravel-ish', 'hero']], [true, 4, ['gravel-ish', 'hero']]]);
    await page.getByTestId('filter-show').selectOption('');
  });

  it('auditions like a pro: from the loud part of the match, zoom, normalised view, varispeed, output, loop region', async () => {
    const takes = await call<Array<{ id: number }>>('takes.list');
    await page.getByTestId('take-select').focus();
    await page.getByTestId('take-select').selectOption(String(takes[0].id));
    await typeWords('late');
    // Without auto-play the playhead rests where playback will start.
    await call('settings.update', { autoPlay: false });
    await page.reload();
    await typeWords('late');
    await rows().first().click();
    expect(await page.getByTestId('preview-name').textContent()).toBe('late tone.wav');
    // The window opens on a second of silence: playback starts just before the tone.
    expect(await page.getByTestId('preview-position').textContent()).toMatch(/^0:00\.9 /);
    const canvas = page.getByTestId('preview-waveform').locator('canvas');
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    expect(await page.getByTestId('zoom-level').textContent()).toBe('4×');
    const [a, b] = (await canvas.getAttribute('data-view'))!.split('-').map(Number);
    expect(b - a).toBeCloseTo(1.5 / 4, 1);
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -100);
    await expect.poll(() => page.getByTestId('zoom-level').textContent()).toBe('8×');
    await page.keyboard.press('n');
    expect(await page.getByTestId('normalise').getAttribute('aria-pressed')).toBe('true');
    expect(Number(await canvas.getAttribute('data-gain'))).toBeGreaterThan(1.5);
    await page.getByTestId('varispeed').fill('12');
    expect(await page.getByTestId('varispeed-value').textContent()).toBe('+12 st');
    await shots('audition-zoomed');
    await canvas.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('-');
    expect(await page.getByTestId('zoom-level').textContent()).toBe('1×');
    // A loop region: drag over the tone, L, play; after a while it still plays inside the region.
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.press('l');
    await page.getByTestId('preview-play').click();
    await page.waitForTimeout(1200);
    const audio = () => page.getByTestId('preview-audio').evaluate((el) => {
      const a = el as HTMLAudioElement & { sinkId: string };
      return { rate: a.playbackRate, preservesPitch: a.preservesPitch, paused: a.paused, at: a.currentTime, sinkId: a.sinkId };
    });
    // Well past the region's end (0.3 s of sound at double speed), it is still playing, inside the region.
    await expect.poll(audio).toMatchObject({ rate: 2, preservesPitch: false, paused: false, sinkId: '' });
    const { at } = await audio();
    expect(at).toBeGreaterThanOrEqual(0.7 * 1.5 - 0.05);
    expect(at).toBeLessThanOrEqual(0.9 * 1.5 + 0.1);
    expect(await page.getByTestId('output-device').inputValue()).toBe('');
    await page.keyboard.press('Escape');
    await page.getByTestId('varispeed').fill('0');
    await call('settings.update', { autoPlay: true });
  });

  it('logged no console errors, page errors or CSP violations', async () => {
    expect(await pageProblems(page, problems)).toEqual([]);
  });
});
