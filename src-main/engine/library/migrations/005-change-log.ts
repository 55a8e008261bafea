import type { Migration } from './migration.ts';

/**
 * What the search index needs to trust a copy of itself and to follow other processes.
 * - `library_changes` keeps, per sound, the stamp of the last write that touched what search
 *   sees (its window vectors, its status, its deletion); the stamp is a counter that only grows.
 *   Triggers keep it, so every writer (the app, the CLI, an older connection) records changes
 *   without knowing about it. An index built at stamp S is made current by re-reading the sounds
 *   whose stamp is above S: a snapshot file or another process's commits cost what changed,
 *   never a reload of everything.
 * - `library_id` (settings) is a random identity, so an index snapshot written for one database is
 *   never read as another's.
 * Sounds already in the library start at stamp 0, below any snapshot (none existed before).
 */
export const changeLog: Migration = {
  version: 5,
  name: 'change-log',
  up(db) {
    db.exec(`
      CREATE TABLE library_changes (
        sound_id INTEGER PRIMARY KEY,
        stamp INTEGER NOT NULL
      );
      CREATE INDEX library_changes_stamp ON library_changes(stamp);
      ${stamp('library_changes_embedding_added', 'AFTER INSERT ON sound_embeddings', 'new.sound_id')}
      ${stamp('library_changes_embedding_removed', 'AFTER DELETE ON sound_embeddings', 'old.sound_id')}
      ${stamp('library_changes_status', 'AFTER UPDATE OF status ON sounds WHEN old.status IS NOT new.status', 'new.id')}
      ${stamp('library_changes_sound_removed', 'AFTER DELETE ON sounds', 'old.id')}
      INSERT INTO settings (key, value) VALUES ('library_id', '"' || lower(hex(randomblob(16))) || '"')
        ON CONFLICT (key) DO NOTHING;
    `);
  },
};

/** A trigger giving the sound `soundId` the next stamp when `event` happens. */
function stamp(name: string, event: string, soundId: string): string {
  return `CREATE TRIGGER ${name} ${event} BEGIN
        INSERT INTO library_changes (sound_id, stamp) VALUES (${soundId}, (SELECT coalesce(max(stamp), 0) + 1 FROM library_changes))
          ON CONFLICT (sound_id) DO UPDATE SET stamp = excluded.stamp;
      END;`;
}
