import type { Migration } from './migration.ts';
import { initial } from './001-initial.ts';
import { fullText } from './002-full-text.ts';
import { jobOwner } from './003-job-owner.ts';
import { scanJobs } from './004-scan-jobs.ts';
import { changeLog } from './005-change-log.ts';
import { halfVectors } from './006-half-vectors.ts';
import { userMetadata } from './007-user-metadata.ts';
import { folderStatusIndex } from './008-folder-status-index.ts';
import { trainingCurves } from './009-training-curves.ts';

/** Every migration in order; version n is at index n - 1 (checked by the migration tests). */
export const MIGRATIONS: readonly Migration[] = [initial, fullText, jobOwner, scanJobs, changeLog, halfVectors, userMetadata, folderStatusIndex, trainingCurves];

export const LATEST_VERSION = MIGRATIONS.length;

export type { Migration };
