import type { Job } from '../../src-main/contract/schema.ts';
import type { Engine } from '../../src-main/engine/engine.ts';

/** The job once it has ended (done, failed or cancelled), asked through the contract as the app would. */
export async function jobEnded(engine: Engine, job: Job, timeoutMs = 150_000, everyMs = 250): Promise<Job> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const now = (await engine.handlers['jobs.list']({})).find((j) => j.id === job.id && j.kind === job.kind);
    if (now && ['done', 'failed', 'cancelled'].includes(now.state)) return now;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`job ${job.id} did not finish within ${timeoutMs} ms`);
}
