import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EngineError } from '../errors.ts';
import { MIGRATIONS, LATEST_VERSION, type Migration } from './migrations/index.ts';

export type SqliteDatabase = Database.Database;

/**
 * Opens the library database with the settings every connection needs: WAL so readers never
 * block the single writer, synchronous=NORMAL (a committed transaction survives a process kill;
 * only an OS crash may lose the last few, never corrupt), and foreign keys enforced.
 */
export function openDatabase(path: string, options: { readonly?: boolean; migrate?: boolean } = {}): SqliteDatabase {
  if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
  let db: SqliteDatabase;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (err) {
    throw new EngineError('not-found', `cannot open the library database (${(err as Error).message})`, { file: path, cause: err });
  }
  try {
    // 8 KiB pages hold ten 384-d float16 vectors each with little slack.
    // page_size only takes effect on a database that has no tables yet.
    if (!options.readonly && schemaVersion(db) === 0) db.pragma('page_size = 8192');
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (options.migrate ?? !options.readonly) migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function schemaVersion(db: SqliteDatabase): number {
  return numberPragma(db, 'user_version');
}

/** A pragma whose value is one number (user_version, data_version, page_count, page_size). */
export function numberPragma(db: SqliteDatabase, name: string): number {
  const value = db.pragma(name, { simple: true });
  if (typeof value !== 'number') throw new EngineError('corrupt', `SQLite's ${name} is not a number (${String(value)})`, { file: db.name });
  return value;
}

/** Applies every migration above the database's version, each in its own transaction. */
export function migrate(db: SqliteDatabase, target: number = LATEST_VERSION, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new EngineError(
      'unsupported-format',
      `this library was written by a newer Onomato (schema ${current}, this version knows ${migrations.length}); update Onomato to open it`,
      { file: db.name },
    );
  }
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
