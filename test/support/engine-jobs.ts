import type { Job } from '../../src-main/contract/schema.ts';
import type { Engine } from '../../src-main/engine/engine.ts';

/** Polls the engine's job list until `job` is done, failed or cancelled (at most 150 s). */
export async function finished(engine: Engine, job: Job): Promise<Job> {
  for (let i = 0; i < 600; i++) {
    const now = (await engine.handlers['jobs.list']({})).find((j) => j.id === job.id);
    if (now && ['done', 'failed', 'cancelled'].includes(now.state)) return now;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`job ${job.id} did not finish`);
}
