import type { Migration } from './migration.ts';
import { initial } from './001-initial.ts';
import { fullText } from './002-full-text.ts';

/** Every migration in order; version n is at index n - 1 (checked by the migration tests). */
export const MIGRATIONS: readonly Migration[] = [initial, fullText];

export const LATEST_VERSION = MIGRATIONS.length;

export type { Migration };
