import type { Migration } from './migration.ts';

/**
 * A model version keeps the curves it was trained with (loss and held-out MRR by epoch), so
 * "Curve" can show how any version learned long after its run ended, and an exported and
 * re-imported version is told apart from one trained here. Rows go with their version.
 */
export const trainingCurves: Migration = {
  version: 9,
  name: 'training-curves',
  up(db) {
    db.exec(`
      CREATE TABLE training_curves (
        model_id TEXT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        loss REAL NOT NULL,
        validation_mrr REAL,
        PRIMARY KEY (model_id, epoch)
      ) WITHOUT ROWID;
    `);
  },
};
