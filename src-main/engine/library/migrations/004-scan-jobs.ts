import type { Migration } from './migration.ts';

/**
 * The indexing job is a 'scan' everywhere: in the contract, the UI and now the store, which
 * recorded it as 'index' until this version. Existing records are renamed so that the list of
 * recent jobs and the check for a scan already running see them.
 */
export const scanJobs: Migration = {
  version: 4,
  name: 'scan-jobs',
  up(db) {
    db.exec(`UPDATE jobs SET kind = 'scan' WHERE kind = 'index'`);
  },
};
