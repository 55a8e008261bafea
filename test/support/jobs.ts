import type { Job } from '../../src-main/contract/schema.ts';
import type { Engine } from '../../src-main/engine/engine.ts';

/** Polls the engine's job list until `job` has ended (done, failed or cancelled), and returns how it ended. */
export async function finished(engine: Engine, job: Job, { timeoutMs = 150_000, everyMs = 100 } = {}): Promise<Job> {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    const now = (await engine.handlers['jobs.list']({})).find((j) => j.id === job.id && j.kind === job.kind);
    if (now && ['done', 'failed', 'cancelled'].includes(now.state)) return now;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`job ${job.id} did not finish`);
}
