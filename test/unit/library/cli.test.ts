import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../src-main/cli/main.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { testTempDir } from '../../support/temp-dir.ts';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b) => { out += b; });
  stderr.on('data', (b) => { err += b; });
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

describe('onomato CLI', () => {
  const dir = testTempDir('onomato-cli-');

  it('exits with 2 on wrong usage and explains why', async () => {
    for (const argv of [[], ['bogus'], ['search', '--data-dir', dir()], ['stats', '--nope'], ['index', '--data-dir', dir(), '--workers', '0', dir()]]) {
      const t = io();
      expect(await main(argv, t.io), argv.join(' ')).toBe(2);
      expect(t.err()).toMatch(/usage: onomato/);
    }
    const t = io();
    expect(await main(['index', '--data-dir', dir()], t.io)).toBe(2);
    expect(t.err()).toMatch(/no folders yet/);
  });

  it('prints help with exit 0', async () => {
    const t = io();
    expect(await main(['index', '--help'], t.io)).toBe(0);
    expect(t.err()).toMatch(/--max-seconds/);
  });

  it('reports library statistics from --db, as text and JSON', async () => {
    const db = join(dir(), 'lib.sqlite');
    const store = LibraryStore.open(db);
    const root = store.addRoot('/sfx');
    const [id] = store.addPendingSounds([{ rootId: root.id, path: '/sfx/bad.wav', size: 1, mtimeMs: 1 }]);
    store.commitFailed(id, { kind: 'corrupt', message: 'the header is damaged' });
    store.close();
    const text = io();
    expect(await main(['stats', '--db', db, '--data-dir', dir()], text.io)).toBe(0);
    expect(text.out()).toMatch(/sounds +1 \(0 indexed, 0 pending, 1 failed\)/);
    expect(text.out()).toMatch(/\/sfx\/bad.wav: the header is damaged \(corrupt\)/);
    const json = io();
    expect(await main(['stats', '--db', db, '--data-dir', dir(), '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.out())).toMatchObject({ sounds: 1, failed: 1, roots: [{ path: '/sfx' }], model: null });
  });

  it('fails with 1 and a sentence when searching a library that has nothing indexed', async () => {
    const t = io();
    expect(await main(['search', join(dir(), 'missing.wav'), '--db', join(dir(), 'x.sqlite'), '--data-dir', dir()], t.io)).toBe(1);
    expect(t.err()).toMatch(/onomato search: /);
  });
});
