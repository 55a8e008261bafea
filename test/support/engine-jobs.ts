import type { Job } from '../../src-main/contract/schema.ts';
import type { Engine } from '../../src-main/engine/engine.ts';

/** Polls the engine's job list until `job` is done, failed or cancelled (at most `limitMs`). */
export async function jobFinished(engine: Engine, job: Job, limitMs = 150_000, everyMs = 250): Promise<Job> {
  for (const until = Date.now() + limitMs; Date.now() < until; ) {
    const now = (await engine.handlers['jobs.list']({})).find((j) => j.id === job.id);
    if (now && ['done', 'failed', 'cancelled'].includes(now.state)) return now;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`job ${job.id} did not finish within ${limitMs} ms`);
}
