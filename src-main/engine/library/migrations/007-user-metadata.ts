import type { Migration } from './migration.ts';

/**
 * What the user adds to a sound: a favourite star, a rating, their own tags, AudioSet guesses
 * they dismissed, and collections (named lists). All of it is keyed by the sound's content hash,
 * never by its row id or path: a rescan, a move or rename, even removing a folder and adding it
 * again finds the same file's marks again. Nothing is ever written into the user's files.
 */
export const userMetadata: Migration = {
  version: 7,
  name: 'user-metadata',
  up(db) {
    db.exec(`
      CREATE TABLE sound_marks (
        content_hash TEXT PRIMARY KEY,
        favourite INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1)),
        rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE user_tags (
        content_hash TEXT NOT NULL,
        tag TEXT NOT NULL,
        PRIMARY KEY (content_hash, tag)
      ) WITHOUT ROWID;
      CREATE INDEX user_tags_tag ON user_tags(tag);

      CREATE TABLE dismissed_tags (
        content_hash TEXT NOT NULL,
        label TEXT NOT NULL,
        PRIMARY KEY (content_hash, label)
      ) WITHOUT ROWID;

      CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE collection_items (
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        content_hash TEXT NOT NULL,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (collection_id, content_hash)
      ) WITHOUT ROWID;
    `);
  },
};
