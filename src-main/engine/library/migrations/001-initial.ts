import type { Migration } from './migration.ts';

/**
 * The library's first schema. Decisions that shape later migrations:
 * - sounds keep their id across moves and renames (the scanner matches content hashes), so
 *   embeddings, tags and training pairs follow a file that was reorganised;
 * - per-window vectors are float32 blobs keyed (sound, model version, window), one model
 *   version per row so switching the active model never rewrites other versions' vectors.
 *   Vector tables are rowid tables: in a WITHOUT ROWID table a 1.5 KB row spills into
 *   overflow pages and takes ~3x its size;
 * - waveform peaks are 8-bit (one byte per bucket, 0..255 for 0..1): a thumbnail needs no more;
 * - training pairs cascade away with their sound: a pair whose reference file was deleted from
 *   disk has no audio left to train on, and moves never delete a sound row. Takes are
 *   soft-deleted (the `deleted` flag) while pairs reference them (ON DELETE RESTRICT), so
 *   deleting a take in the app never silently drops the user's teaching;
 * - model versions are rows with their weights, so an exported database is self-contained.
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE roots (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at INTEGER NOT NULL,
        last_scan_at INTEGER
      );

      CREATE TABLE sounds (
        id INTEGER PRIMARY KEY,
        root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
        path TEXT NOT NULL UNIQUE,
        folder TEXT NOT NULL,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        content_hash TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'indexed', 'failed')),
        format TEXT,
        sample_rate INTEGER,
        channels INTEGER,
        bit_depth INTEGER,
        duration_sec REAL,
        analysed_sec REAL,
        peaks BLOB,
        description TEXT,
        metadata TEXT,
        ucs_cat_id TEXT,
        ucs_category TEXT,
        ucs_subcategory TEXT,
        failure_kind TEXT,
        failure_reason TEXT,
        model_id TEXT,
        indexed_at INTEGER
      );
      CREATE INDEX sounds_root ON sounds(root_id);
      CREATE INDEX sounds_folder ON sounds(folder);
      CREATE INDEX sounds_status ON sounds(status);
      CREATE INDEX sounds_hash ON sounds(content_hash) WHERE content_hash IS NOT NULL;
      CREATE INDEX sounds_duration ON sounds(duration_sec);
      CREATE INDEX sounds_ucs ON sounds(ucs_category, ucs_subcategory);

      CREATE TABLE model_versions (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        name TEXT,
        config TEXT NOT NULL DEFAULT '{}',
        metrics TEXT NOT NULL DEFAULT '{}',
        weights BLOB,
        active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
      );
      CREATE UNIQUE INDEX model_versions_one_active ON model_versions(active) WHERE active = 1;

      CREATE TABLE sound_embeddings (
        sound_id INTEGER NOT NULL REFERENCES sounds(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
        window_index INTEGER NOT NULL,
        offset_sec REAL NOT NULL,
        vector BLOB NOT NULL,
        UNIQUE (sound_id, model_id, window_index)
      );
      CREATE INDEX sound_embeddings_model ON sound_embeddings(model_id);

      CREATE TABLE sound_features (
        sound_id INTEGER NOT NULL REFERENCES sounds(id) ON DELETE CASCADE,
        backbone TEXT NOT NULL,
        window_index INTEGER NOT NULL,
        offset_sec REAL NOT NULL,
        vector BLOB NOT NULL,
        UNIQUE (sound_id, backbone, window_index)
      );

      CREATE TABLE sound_tags (
        sound_id INTEGER NOT NULL REFERENCES sounds(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        probability REAL NOT NULL,
        PRIMARY KEY (sound_id, label)
      ) WITHOUT ROWID;
      CREATE INDEX sound_tags_label ON sound_tags(label, probability);

      CREATE TABLE takes (
        id INTEGER PRIMARY KEY,
        wav_path TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        duration_sec REAL NOT NULL,
        sample_rate INTEGER NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('mic', 'file')),
        original_name TEXT,
        device_name TEXT,
        deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
      );

      CREATE TABLE take_features (
        take_id INTEGER NOT NULL REFERENCES takes(id) ON DELETE CASCADE,
        backbone TEXT NOT NULL,
        window_index INTEGER NOT NULL,
        offset_sec REAL NOT NULL,
        vector BLOB NOT NULL,
        UNIQUE (take_id, backbone, window_index)
      );

      CREATE TABLE training_pairs (
        id INTEGER PRIMARY KEY,
        take_id INTEGER NOT NULL REFERENCES takes(id) ON DELETE RESTRICT,
        sound_id INTEGER NOT NULL REFERENCES sounds(id) ON DELETE CASCADE,
        origin TEXT NOT NULL CHECK (origin IN ('match', 'teach', 'dataset')),
        created_at INTEGER NOT NULL,
        UNIQUE (take_id, sound_id)
      );
      CREATE INDEX training_pairs_sound ON training_pairs(sound_id);

      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'paused', 'done', 'failed', 'cancelled', 'interrupted')),
        progress TEXT NOT NULL DEFAULT '{}',
        config TEXT NOT NULL DEFAULT '{}',
        error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX jobs_kind ON jobs(kind, created_at);

      CREATE TABLE evaluation_runs (
        id INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,
        dataset TEXT NOT NULL,
        systems TEXT NOT NULL,
        report TEXT NOT NULL,
        model_id TEXT REFERENCES model_versions(id) ON DELETE SET NULL
      );

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `);
  },
};
