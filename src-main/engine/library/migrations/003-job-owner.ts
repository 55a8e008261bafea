import type { Migration } from './migration.ts';

/**
 * Which process runs a job, so that a process starting up marks as interrupted only the jobs
 * whose owner died, never those of the app or a CLI run that is still going. Jobs recorded
 * before this version have no owner and count as dead.
 */
export const jobOwner: Migration = {
  version: 3,
  name: 'job-owner',
  up(db) {
    db.exec('ALTER TABLE jobs ADD COLUMN owner_pid INTEGER');
  },
};
