import type { Database } from 'better-sqlite3';

/**
 * One numbered step of the library's schema. `up` runs inside a transaction together with
 * the `PRAGMA user_version` bump, so a crash leaves the database at the old or the new
 * version, never in between.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}
