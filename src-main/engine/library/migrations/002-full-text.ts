import type { Migration } from './migration.ts';

/**
 * Full-text search over what a sound designer types: file names, folders, BWF descriptions,
 * UCS categories and AudioSet tags. The store rewrites a sound's row whenever one of those
 * changes; a trigger removes it with the sound (including cascades from a removed root).
 * Existing sounds are backfilled so a library indexed before this version is searchable at once.
 */
export const fullText: Migration = {
  version: 2,
  name: 'full-text',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE sounds_fts USING fts5(
        name, folder, description, category, tags,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
      );
      CREATE TRIGGER sounds_fts_delete AFTER DELETE ON sounds BEGIN
        DELETE FROM sounds_fts WHERE rowid = old.id;
      END;
      INSERT INTO sounds_fts (rowid, name, folder, description, category, tags)
        SELECT s.id, s.name, s.folder, coalesce(s.description, ''),
               trim(coalesce(s.ucs_category, '') || ' ' || coalesce(s.ucs_subcategory, '') || ' ' || coalesce(s.ucs_cat_id, '')),
               coalesce((SELECT group_concat(t.label, ' ') FROM sound_tags t WHERE t.sound_id = s.id), '')
        FROM sounds s;
    `);
  },
};
