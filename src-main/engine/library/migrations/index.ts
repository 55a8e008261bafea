import type { Migration } from './migration.ts';
import { initial } from './001-initial.ts';
import { fullText } from './002-full-text.ts';
import { jobOwner } from './003-job-owner.ts';
import { userMetadata } from './004-user-metadata.ts';

/** Every migration in order; version n is at index n - 1 (checked by the migration tests). */
export const MIGRATIONS: readonly Migration[] = [initial, fullText, jobOwner, userMetadata];

export const LATEST_VERSION = MIGRATIONS.length;

export type { Migration };
