/**
 * What /media serves and what a region export is called: only indexed sounds whose file, when
 * opened, really lies in a library folder; region renders kept per sound, content and region,
 * under the sound's own name in any script; downloads named in UTF-8 (RFC 6266 / 5987).
 */
import { mkdirSync, readFileSync, renameSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../../src-main/contract/methods.ts';
import { EventBus } from '../../../src-main/contract/events.ts';
import { Media } from '../../../src-main/engine/app/media.ts';
import { byteRange } from '../../../src-main/engine/media.ts';
import { decodeAudio, writeWav } from '../../../src-main/engine/audio/decode.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { dataPaths, ensureDataDirs, isWithin, safeFileName, type DataPaths } from '../../../src-main/engine/paths.ts';
import { contentDisposition, startWebServer, type WebServer } from '../../../src-main/web/server.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const RATE = 8000;
const dir = suiteTempDir('onomato-media-');
let sfx: string;
let secret: string;
let paths: DataPaths;
let store: LibraryStore;
let media: Media;
let server: WebServer;
let rootId: number;

/** A one-second mono tone: its frequency tells the files apart after a render. */
async function tone(path: string, hz: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const samples = Float32Array.from({ length: RATE }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / RATE));
  await writeWav(path, { channels: [samples], sampleRate: RATE, bitDepth: 16 });
}

/** Records a file as indexed, the way the indexer leaves it (the media code reads nothing else). */
function indexed(path: string): number {
  const [id] = store.addPendingSounds([{ rootId, path, size: statSync(path).size, mtimeMs: statSync(path).mtimeMs }]);
  store.commitAnalysed({
    soundId: id, modelId: 'm', contentHash: `h${id}`, format: 'wav', sampleRate: RATE, channels: 1, bitDepth: 16, durationSec: 1,
    analysedSec: 1, peaks: new Float32Array([0.5]), description: null, metadata: {}, windows: [{ offsetSec: 0, vector: new Float32Array([1]) }], tags: [],
  });
  return id;
}

async function get(path: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}${path}`, { headers: { 'x-onomato-token': server.token } });
}

/** The frequency of the strongest partial, by counting rising zero crossings (the tones are pure). */
function frequency(samples: Float32Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1] < 0 && samples[i] >= 0) crossings++;
  return (crossings * rate) / samples.length;
}

beforeAll(async () => {
  sfx = join(dir, 'sfx');
  secret = join(dir, 'outside', 'secret.wav');
  await tone(secret, 1000);
  paths = ensureDataDirs(dataPaths(join(dir, 'data')));
  store = LibraryStore.open(paths.database);
  store.putModelVersion({ id: 'm', kind: 'pretrained' });
  mkdirSync(sfx, { recursive: true });
  rootId = store.addRoot(sfx).id;
  media = new Media(store, paths);
  server = await startWebServer({ handlers: {} as Handlers, events: new EventBus(), rendererDir: join(dir, 'renderer'), resolveMedia: (k, i) => media.resolve(k, i) });
});

afterAll(async () => {
  await server?.close();
  store?.close();
});

describe('media serves only indexed sounds that really lie in the library', () => {
  it('streams an indexed sound whole and by range', async () => {
    const path = join(sfx, 'door.wav');
    await tone(path, 200);
    const id = indexed(path);
    const whole = await get(`/media/sound/${id}`);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(readFileSync(path))).toBe(true);
    const part = await fetch(`http://127.0.0.1:${server.port}/media/sound/${id}`, { headers: { 'x-onomato-token': server.token, range: 'bytes=4-11' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 4-11/${statSync(path).size}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(readFileSync(path).subarray(4, 12))).toBe(true);
  });

  it('refuses a failed or pending sound, even one that is a link to /etc/passwd', async () => {
    const link = join(sfx, 'passwd.wav');
    symlinkSync('/etc/passwd', link);
    await tone(join(sfx, 'new.wav'), 200);
    const [failed, pending] = store.addPendingSounds([{ rootId, path: link, size: 1, mtimeMs: 1 }, { rootId, path: join(sfx, 'new.wav'), size: 1, mtimeMs: 1 }]);
    store.commitFailed(failed, { kind: 'not-audio', message: 'not audio' });
    expect((await get(`/media/sound/${failed}`)).status).toBe(404);
    expect((await get(`/media/sound/${pending}`)).status).toBe(404);
  });

  it('refuses an indexed file since replaced by a link out of the library, and still serves a link within it', async () => {
    const path = join(sfx, 'swapped.wav');
    await tone(path, 300);
    const id = indexed(path);
    expect((await get(`/media/sound/${id}`)).status).toBe(200);
    unlinkSync(path);
    symlinkSync(secret, path);
    const refused = await get(`/media/sound/${id}`);
    expect(refused.status).toBe(404);
    expect(await refused.text()).toBe('Not a file of this library');
    expect((await get(`/media/sound/${id}?download=1`)).status).toBe(404);
    unlinkSync(path);
    symlinkSync(join(sfx, 'door.wav'), path);
    const within = await get(`/media/sound/${id}`);
    expect(within.status).toBe(200);
    expect(Buffer.from(await within.arrayBuffer()).equals(readFileSync(join(sfx, 'door.wav')))).toBe(true);
  });

  it('refuses a sound whose folder was swapped for a link to somewhere else, and follows a library folder that is itself a link', async () => {
    const real = join(dir, 'real-sfx');
    await tone(join(real, 'a.wav'), 400);
    const linkedRoot = join(dir, 'linked-sfx');
    symlinkSync(real, linkedRoot);
    const linked = store.addRoot(linkedRoot).id;
    const [id] = store.addPendingSounds([{ rootId: linked, path: join(linkedRoot, 'a.wav'), size: 1, mtimeMs: 1 }]);
    store.commitAnalysed({
      soundId: id, modelId: 'm', contentHash: 'x', format: 'wav', sampleRate: RATE, channels: 1, bitDepth: 16, durationSec: 1,
      analysedSec: 1, peaks: new Float32Array([0.5]), description: null, metadata: {}, windows: [{ offsetSec: 0, vector: new Float32Array([1]) }], tags: [],
    });
    expect((await get(`/media/sound/${id}`)).status).toBe(200);
    // A sub-folder of the library replaced by a link to a folder outside it.
    const sub = join(sfx, 'sub');
    await tone(join(sub, 'b.wav'), 500);
    const inner = indexed(join(sub, 'b.wav'));
    expect((await get(`/media/sound/${inner}`)).status).toBe(200);
    renameSync(sub, join(dir, 'moved-sub'));
    symlinkSync(dirname(secret), sub);
    writeFileSync(join(dirname(secret), 'b.wav'), readFileSync(secret));
    expect((await get(`/media/sound/${inner}`)).status).toBe(404);
  });

  it('sends the file it checked: a link swapped in after the open changes nothing', async () => {
    const path = join(sfx, 'race.wav');
    await tone(path, 600);
    const id = indexed(path);
    const original = readFileSync(path);
    const file = (await media.resolve('sound', String(id)))!;
    unlinkSync(path);
    symlinkSync(secret, path);
    try {
      expect(file.path).toBe(path);
      expect(file.size).toBe(original.length);
      const sent = Buffer.alloc(file.size);
      await file.handle.read(sent, 0, file.size, 0);
      expect(sent.equals(original)).toBe(true);
    } finally {
      await file.handle.close();
    }
  });

  it('serves takes only from the takes folder and exports only from the exports folder', async () => {
    const outside = store.addTake({ wavPath: secret, durationSec: 1, sampleRate: RATE, source: 'file', originalName: 's.wav', deviceName: null });
    expect((await get(`/media/take/${outside.id}`)).status).toBe(404);
    writeFileSync(join(paths.exports, '.partial.wav.tmp'), 'x');
    for (const id of ['..%2Flibrary.sqlite', '.partial.wav.tmp', encodeURIComponent(paths.database), '%2E%2E%2F%2E%2E%2Foutside%2Fsecret.wav']) {
      expect((await get(`/media/export/${id}`)).status, id).toBe(404);
    }
  });
});

describe('region exports', () => {
  it('keeps two same-named sounds in different folders apart', async () => {
    await tone(join(sfx, 'a', 'hit.wav'), 250);
    await tone(join(sfx, 'b', 'hit.wav'), 750);
    const a = indexed(join(sfx, 'a', 'hit.wav'));
    const b = indexed(join(sfx, 'b', 'hit.wav'));
    const region = { startSec: 0, endSec: 0.5 };
    const [fa] = await media.filesForDrag([{ soundId: a, region }]);
    const [fb] = await media.filesForDrag([{ soundId: b, region }]);
    expect(fa.path).not.toBe(fb.path);
    expect(basename(fa.path)).toBe('hit [0.000-0.500s].wav');
    expect(basename(fb.path)).toBe('hit [0.000-0.500s].wav');
    expect(frequency((await decodeAudio(fa.path)).channels[0], RATE)).toBeCloseTo(250, -1);
    expect(frequency((await decodeAudio(fb.path)).channels[0], RATE)).toBeCloseTo(750, -1);
    // Served under its exports-relative name, downloadable under the file's own name.
    expect(fa.media.kind).toBe('export');
    const served = await get(`/media/export/${encodeURIComponent(fa.media.id)}?download=1`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(readFileSync(fa.path))).toBe(true);
    expect(served.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('hit [0.000-0.500s].wav')}`);
  });

  it('keeps Cyrillic names whole and apart (звук.wav, шумы.wav)', async () => {
    await tone(join(sfx, 'звук.wav'), 250);
    await tone(join(sfx, 'шумы.wav'), 750);
    const region = { startSec: 0.25, endSec: 0.75 };
    const [z] = await media.filesForDrag([{ soundId: indexed(join(sfx, 'звук.wav')), region }]);
    const [s] = await media.filesForDrag([{ soundId: indexed(join(sfx, 'шумы.wav')), region }]);
    expect(basename(z.path)).toBe('звук [0.250-0.750s].wav');
    expect(basename(s.path)).toBe('шумы [0.250-0.750s].wav');
    expect(frequency((await decodeAudio(z.path)).channels[0], RATE)).toBeCloseTo(250, -1);
    expect(frequency((await decodeAudio(s.path)).channels[0], RATE)).toBeCloseTo(750, -1);
  });

  it('reuses a render of the same region of the same file, and renders again when the file changes', async () => {
    const path = join(sfx, 'changing.wav');
    await tone(path, 250);
    const id = indexed(path);
    const region = { startSec: 0.1, endSec: 0.6 };
    const [first] = await media.filesForDrag([{ soundId: id, region }]);
    const renderedAt = statSync(first.path).mtimeMs;
    const [again] = await media.filesForDrag([{ soundId: id, region }]);
    expect(again.path).toBe(first.path);
    expect(statSync(again.path).mtimeMs).toBe(renderedAt);
    // The library has not rescanned yet: the render must still follow the file, not the store.
    await tone(path, 750);
    const [fresh] = await media.filesForDrag([{ soundId: id, region }]);
    expect(fresh.path).not.toBe(first.path);
    expect(frequency((await decodeAudio(fresh.path)).channels[0], RATE)).toBeCloseTo(750, -1);
    expect(isWithin(paths.exports, fresh.path)).toBe(true);
  });

  it('refuses to render a sound whose file was replaced by a link out of the library', async () => {
    const path = join(sfx, 'to-be-swapped.wav');
    await tone(path, 250);
    const id = indexed(path);
    unlinkSync(path);
    symlinkSync(secret, path);
    await expect(media.filesForDrag([{ soundId: id, region: { startSec: 0, endSec: 0.5 } }])).rejects.toThrow(/no longer a regular file inside a library folder/);
    await expect(media.filesForDrag([{ soundId: id }])).rejects.toMatchObject({ kind: 'forbidden' });
  });
});

describe('file names', () => {
  it('changes only what a file system refuses', () => {
    expect(safeFileName('звук')).toBe('звук');
    expect(safeFileName('Tür 音 🔔')).toBe('Tür 音 🔔');
    expect(safeFileName('a/b\\c:d*e?f"g<h>i|j')).toBe('a_b_c_d_e_f_g_h_i_j');
    expect(safeFileName('tab\there\u0000nul\u007f')).toBe('tab_here_nul_');
    expect(safeFileName('ends with dots... ')).toBe('ends with dots');
    expect(safeFileName('CON')).toBe('_CON');
    expect(safeFileName('lpt1.take')).toBe('_lpt1.take');
    expect(safeFileName('CONSOLE')).toBe('CONSOLE');
    expect(safeFileName('...')).toBe('sound');
    const long = safeFileName('ж'.repeat(300));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200);
    expect(long).toBe('ж'.repeat(100));
  });

  it('isWithin does not take a shared prefix for containment', () => {
    expect(isWithin('/sfx', '/sfx/a.wav')).toBe(true);
    expect(isWithin('/sfx', '/sfx')).toBe(true);
    expect(isWithin('/sfx', '/sfx-old/a.wav')).toBe(false);
    expect(isWithin('/sfx', '/sfx/../etc/passwd')).toBe(false);
    expect(isWithin('/sfx', '/sfx/..a/b.wav')).toBe(true);
  });
});

describe('byte ranges', () => {
  it('reads one range as browsers ask for it, and the whole file otherwise', () => {
    expect(byteRange(100, undefined)).toEqual({ status: 200, start: 0, end: 99 });
    expect(byteRange(100, 'bytes=0-')).toEqual({ status: 206, start: 0, end: 99 });
    expect(byteRange(100, 'bytes=10-19')).toEqual({ status: 206, start: 10, end: 19 });
    expect(byteRange(100, 'bytes=90-200')).toEqual({ status: 206, start: 90, end: 99 });
    expect(byteRange(100, 'bytes=-30')).toEqual({ status: 206, start: 70, end: 99 });
    expect(byteRange(100, 'bytes=-300')).toEqual({ status: 206, start: 0, end: 99 });
    expect(byteRange(100, 'bytes=100-')).toEqual({ status: 416 });
    expect(byteRange(100, 'bytes=20-10')).toEqual({ status: 416 });
    for (const odd of ['bytes=-', 'bytes=0-1,5-6', 'items=0-1', 'bytes=a-b']) expect(byteRange(100, odd), odd).toEqual({ status: 200, start: 0, end: 99 });
    expect(byteRange(0, 'bytes=0-')).toEqual({ status: 200, start: 0, end: -1 });
  });
});

describe('downloads', () => {
  it('names a download in UTF-8 with an ASCII fallback (RFC 6266 / 5987)', async () => {
    const path = join(sfx, 'шумы "ночь" é.wav');
    await tone(path, 300);
    const id = indexed(path);
    const res = await get(`/media/sound/${id}?download=1`);
    expect(res.status).toBe(200);
    const header = res.headers.get('content-disposition')!;
    expect(header).toBe(`attachment; filename="____ ______ e.wav"; filename*=UTF-8''${encodeURIComponent('шумы "ночь" é.wav')}`);
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(header)![1])).toBe('шумы "ночь" é.wav');
    expect(contentDisposition("it's (1)*.wav")).toBe(`attachment; filename="it's (1)*.wav"; filename*=UTF-8''it%27s%20%281%29%2A.wav`);
    expect(contentDisposition('100%.wav')).toBe(`attachment; filename="100_.wav"; filename*=UTF-8''100%25.wav`);
  });
});
