import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../../src-main/engine/engine.ts';
import { startIndexing } from '../../../src-main/engine/library/indexer.ts';
import { prepareLibraryModel } from '../../../src-main/engine/library/library-model.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { dataPaths } from '../../../src-main/engine/paths.ts';
import { copySfxSubset } from '../../support/library-copy.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { jobEnded } from '../../support/jobs.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/**
 * The app and the CLI share one database (issue 12, bad input; the additions themselves are
 * covered by hostile/two-writers): a folder the CLI added is watched by the app from then on, and
 * sounds the CLI removes leave the app's answers at once (the change log records deletions).
 */
const dir = suiteTempDir('onomato-app-others-');
let engine: Engine;

beforeAll(async () => {
  const sfx = await smallSfxLibrary();
  copySfxSubset(sfx, join(dir, 'app-folder'), 4);
  copySfxSubset(sfx, join(dir, 'cli-folder'), 8);
  engine = await openEngine({ dataDir: join(dir, 'data'), mode: 'web' });
  const { job } = await engine.handlers['library.addRoot']({ path: join(dir, 'app-folder') });
  expect((await jobEnded(engine, job)).state).toBe('done');
}, 600_000);

afterAll(async () => {
  await engine?.close();
});

describe('another process writing to the library while the app runs', () => {
  it('has the folder it added watched by the app, and what it removes leaves the app\'s search', async () => {
    const before = await engine.handlers['search.similar']({ soundId: 1, top: 50 });
    // The CLI indexes a folder of its own through its own connection.
    const paths = dataPaths(join(dir, 'data'));
    const cli = LibraryStore.open(paths.database);
    try {
      const model = await prepareLibraryModel(cli, paths.models);
      const summary = await startIndexing({ store: cli, model, folders: [join(dir, 'cli-folder')], workers: 1 }).result;
      expect(summary.indexed).toBeGreaterThan(0);
      const cliSounds = cli.sounds({ status: 'indexed', limit: 100 }).filter((s) => s.path.includes('cli-folder')).map((s) => s.id);

      // Within the app's poll the CLI's folder is watched: a file dropped there is indexed by the app.
      await new Promise((r) => setTimeout(r, 3000));
      const source = cli.sounds({ status: 'indexed', limit: 1 })[0].path;
      cpSync(source, join(dir, 'cli-folder', `dropped later${source.slice(source.lastIndexOf('.'))}`));
      let dropped: number | undefined;
      for (let i = 0; i < 240 && dropped === undefined; i++) {
        await new Promise((r) => setTimeout(r, 250));
        dropped = cli.sounds({ status: 'indexed', limit: 100 }).find((s) => s.name.startsWith('dropped later'))?.id;
      }
      expect(dropped).toBeDefined();
      const withFolder = await engine.handlers['search.similar']({ soundId: 1, top: 50 });
      expect(withFolder.searched).toBe(before.searched + cliSounds.length + 1);
      expect(withFolder.matches.map((m) => m.sound.id)).toContain(dropped);

      // The CLI removes the folder: its sounds are gone from the app's answers at once.
      cli.removeRoot(cli.roots().find((r) => r.path === join(dir, 'cli-folder'))!.id);
      const after = await engine.handlers['search.similar']({ soundId: 1, top: 50 });
      expect(after.searched).toBe(before.searched);
      expect(after.matches.map((m) => m.sound.id).sort()).toEqual(before.matches.map((m) => m.sound.id).sort());
    } finally {
      cli.close();
    }
  }, 300_000);
});
