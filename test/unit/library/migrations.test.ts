import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, openDatabase, schemaVersion } from '../../../src-main/engine/library/database.ts';
import { MIGRATIONS, LATEST_VERSION } from '../../../src-main/engine/library/migrations/index.ts';
import { halfVectors } from '../../../src-main/engine/library/migrations/006-half-vectors.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { withTempDir } from '../../support/temp-dir.ts';

/**
 * Data a user could have at each schema version, written with that version's SQL. Every
 * migration added later must keep all of it readable through the current store.
 */
const seeds: Record<number, (db: Database.Database) => void> = {
  1: (db) => {
    db.exec(`
      INSERT INTO roots (id, path, added_at) VALUES (1, '/sfx', 1);
      INSERT INTO sounds (id, root_id, path, folder, name, size, mtime_ms, content_hash, status, duration_sec,
                          description, ucs_cat_id, ucs_category, ucs_subcategory, model_id, indexed_at)
        VALUES (7, 1, '/sfx/foley/FOLYClth_Jacket Rustle.wav', '/sfx/foley', 'FOLYClth_Jacket Rustle.wav', 1000, 5,
                'abc', 'indexed', 2.5, 'leather jacket rustle', 'FOLYClth', 'FOLEY', 'CLOTH', 'm1', 9);
      INSERT INTO model_versions (id, created_at, kind, active) VALUES ('m1', 1, 'pretrained', 1);
      INSERT INTO sound_embeddings (sound_id, model_id, window_index, offset_sec, vector) VALUES (7, 'm1', 0, 0, x'0000803f');
      INSERT INTO sound_features (sound_id, backbone, window_index, offset_sec, vector) VALUES (7, 'mn04', 0, 0, x'0000003f000010c0');
      INSERT INTO sound_tags (sound_id, label, probability) VALUES (7, 'Rustle', 0.8);
      INSERT INTO takes (id, wav_path, created_at, duration_sec, sample_rate, source) VALUES (3, '/t/3.wav', 1, 1.5, 32000, 'mic');
      INSERT INTO training_pairs (take_id, sound_id, origin, created_at) VALUES (3, 7, 'teach', 2);
      INSERT INTO take_features (take_id, backbone, window_index, offset_sec, vector) VALUES (3, 'mn04', 0, 0, x'0000c03f');
      INSERT INTO settings (key, value) VALUES ('topK', '25');
      INSERT INTO jobs (id, kind, state, created_at, updated_at) VALUES (4, 'index', 'running', 1, 1);
    `);
  },
  // From version 2 the store writes each sound's full-text row itself.
  2: (db) => {
    db.exec(`INSERT INTO sounds_fts (rowid, name, folder, description, category, tags)
      VALUES (7, 'FOLYClth_Jacket Rustle.wav', '/sfx/foley', 'leather jacket rustle', 'FOLEY CLOTH FOLYClth', 'Rustle')`);
  },
  // From version 3 jobs name their owner process; the scan was still recorded as 'index'.
  3: (db) => {
    db.exec(`INSERT INTO jobs (id, kind, state, created_at, updated_at, owner_pid) VALUES (5, 'index', 'done', 2, 3, 1)`);
  },
  // From version 4 the store records scans as 'scan': a library at 4 or later holds no 'index' job.
  4: (db) => {
    db.exec(`UPDATE jobs SET kind = 'scan' WHERE kind = 'index'`);
  },
  // From version 6 vectors are stored as float16: the earlier rows as that version writes them.
  6: (db) => halfVectors.up(db),
  // From version 7 the user's own marks, by content hash.
  7: (db) => {
    db.exec(`
      INSERT INTO sound_marks (content_hash, favourite, rating, updated_at) VALUES ('abc', 1, 4, 3);
      INSERT INTO user_tags (content_hash, tag) VALUES ('abc', 'hero');
      INSERT INTO dismissed_tags (content_hash, label) VALUES ('abc', 'Rustle');
      INSERT INTO collections (id, name, created_at) VALUES (2, 'Trailer hits', 3);
      INSERT INTO collection_items (collection_id, content_hash, added_at) VALUES (2, 'abc', 3);
    `);
  },
  // From version 9 a model version keeps the curves it was trained with.
  9: (db) => {
    db.exec(`INSERT INTO training_curves (model_id, epoch, loss, validation_mrr) VALUES ('m1', 1, 2.5, NULL), ('m1', 2, 1.25, 0.5)`);
  },
};

function expectSeededDataReadable(store: LibraryStore, fromVersion: number): void {
  if (fromVersion < 1) return;
  const s = store.sound(7)!;
  expect(s.name).toBe('FOLYClth_Jacket Rustle.wav');
  expect(s.ucsCategory).toBe('FOLEY');
  // Vectors written as float32 read back the same once stored as float16 (2 bytes a value).
  expect([...store.soundWindows(7, 'm1')[0].vector]).toEqual([1]);
  expect([...store.soundFeatures(7, 'mn04')[0].vector]).toEqual([0.5, -2.25]);
  expect([...store.takeFeatures(3, 'mn04')[0].vector]).toEqual([1.5]);
  expect(store.rawDatabaseForTests().prepare('SELECT length(vector) AS n FROM sound_features').get()).toEqual({ n: 4 });
  // A guess the user dismissed (from version 7) stays dismissed.
  expect(store.soundTags(7)).toEqual(fromVersion >= 7 ? [] : [{ label: 'Rustle', probability: 0.8 }]);
  expect(store.pairs()).toHaveLength(1);
  expect(store.getSetting('topK')).toBe(25);
  expect(store.activeModelVersion()?.id).toBe('m1');
  // Sounds indexed before full-text search existed are found by it after the upgrade.
  expect(store.searchText('leather')).toEqual([7]);
  expect(store.searchText('rustl')).toEqual([7]);
  expect(store.soundIdsMatching({ text: 'foley cloth' })).toEqual([7]);
  // A folder filter is answered from the folder index alone, whatever version the library came from.
  expect(store.soundIdsMatching({ folders: ['/sfx/foley'] })).toEqual([7]);
  const plan = store.rawDatabaseForTests().prepare(`EXPLAIN QUERY PLAN SELECT id FROM sounds WHERE +status = 'indexed' AND (folder = ? OR (folder >= ? AND folder < ?))`)
    .all('/sfx', '/sfx/', '/sfx0') as { detail: string }[];
  expect(plan.filter((p) => p.detail.startsWith('SEARCH')).map((p) => p.detail)).toEqual([
    'SEARCH sounds USING COVERING INDEX sounds_folder (folder=?)', 'SEARCH sounds USING COVERING INDEX sounds_folder (folder>? AND folder<?)',
  ]);
  if (fromVersion >= 7) {
    expect(store.soundMarks(7)).toEqual({ favourite: true, rating: 4, userTags: ['hero'], dismissed: ['Rustle'] });
    expect(store.collections()).toEqual([{ id: 2, name: 'Trailer hits', createdAt: 3, sounds: 1 }]);
    expect(store.soundIdsMatching({ collectionId: 2, favourites: true, minRating: 4 })).toEqual([7]);
  } else {
    expect(store.soundMarks(7)).toEqual({ favourite: false, rating: 0, userTags: [], dismissed: [] });
  }
  // Versions trained before curves were kept show none; later ones keep theirs, and lose them with the version.
  expect(store.trainingCurve('m1')).toEqual(fromVersion >= 9 ? [{ epoch: 1, loss: 2.5, validationMrr: null }, { epoch: 2, loss: 1.25, validationMrr: 0.5 }] : []);
  store.putTrainingCurve('m1', [{ epoch: 1, loss: 3, validationMrr: 0.25 }]);
  expect(store.trainingCurve('m1')).toEqual([{ epoch: 1, loss: 3, validationMrr: 0.25 }]);
  // A job recorded before jobs had owners was left by a process that is gone.
  expect(store.job(4)?.state).toBe('running');
  expect(store.markInterruptedJobs()).toBe(1);
  expect(store.job(4)?.state).toBe('interrupted');
  // Scans recorded as 'index' before version 4 read as the 'scan' jobs they are.
  expect(store.job(4)?.kind).toBe('scan');
  if (fromVersion >= 3) expect(store.job(5)).toMatchObject({ kind: 'scan', state: 'done' });
  expect(store.jobs({ kind: 'index' })).toEqual([]);
}

describe('library migrations', () => {
  it('are numbered 1..n in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });

  // Up to the latest version itself, so the newest seed is read back through the store as well.
  for (let from = 0; from <= LATEST_VERSION; from++) {
    it(`upgrades a database at version ${from} to ${LATEST_VERSION} and keeps its data`, () => withTempDir((dir) => {
      const path = join(dir, 'library.sqlite');
      const db = openDatabase(path, { migrate: false });
      expect(migrate(db, from)).toBe(from);
      for (let v = 1; v <= from; v++) seeds[v]?.(db);
      db.close();
      const store = LibraryStore.open(path);
      expect(store.schemaVersion).toBe(LATEST_VERSION);
      expect(store.integrityCheck()).toBe('ok');
      expectSeededDataReadable(store, from);
      // Every library has an identity and stamps the changes search follows from then on.
      expect(store.libraryId()).toMatch(/^[0-9a-f]{32}$/);
      const stamp = store.changeStamp();
      if (from >= 1) {
        store.markChanged(7, 1, 1);
        expect(store.changesSince(stamp, 10).map((c) => c.soundId)).toEqual([7]);
      }
      store.close();
    }, 'onomato-mig-'));
  }

  it('rolls a failing migration back and keeps the old version', () => {
    const db = openDatabase(':memory:', { migrate: false });
    const broken = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', up: (d: Database.Database) => { d.exec('CREATE TABLE half (x); SELECT * FROM missing_table'); } }];
    expect(() => migrate(db, broken.length, broken)).toThrow();
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'`).get()).toEqual({ n: 0 });
  });

  it('refuses a database written by a newer version', () => {
    const db = new Database(':memory:');
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(/newer Onomato/);
  });

  it('opens with WAL, NORMAL sync and foreign keys', () => withTempDir((dir) => {
    const db = openDatabase(join(dir, 'x.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  }, 'onomato-mig-'));
});
