import { describe, expect, it } from 'vitest';
import { Job } from '../../../src-main/engine/jobs/job.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';

describe('Job', () => {
  it('pauses, resumes and records its progress and final state', async () => {
    const store = LibraryStore.open(':memory:');
    const seen: number[] = [];
    let step = 0;
    const job = new Job<{ done: number }, string>('count', async (c) => {
      for (step = 0; step < 5; step++) {
        await c.checkpoint();
        c.report({ done: step + 1 });
        await new Promise((r) => setTimeout(r, 5));
      }
      return 'finished';
    }, { recorder: store, config: { n: 5 }, recordEveryMs: 0 });
    job.on('progress', (p) => seen.push(p.done));
    await new Promise((r) => setTimeout(r, 8));
    job.pause();
    expect(job.state).toBe('paused');
    expect(store.job(job.id!)?.state).toBe('paused');
    const stepAtPause = step;
    await new Promise((r) => setTimeout(r, 40));
    expect(step).toBeLessThanOrEqual(stepAtPause + 1);
    job.resume();
    expect(await job.result).toBe('finished');
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(store.job(job.id!)).toMatchObject({ state: 'done', progress: { done: 5 }, config: { n: 5 } });
  });

  it('cancels a paused job and records it as cancelled', async () => {
    const store = LibraryStore.open(':memory:');
    const job = new Job<{ done: number }, void>('wait', async (c) => {
      for (;;) { await c.checkpoint(); await new Promise((r) => setTimeout(r, 2)); }
    }, { recorder: store });
    await new Promise((r) => setTimeout(r, 5));
    job.pause();
    job.cancel();
    await expect(job.result).rejects.toMatchObject({ kind: 'cancelled' });
    expect(job.state).toBe('cancelled');
    expect(store.job(job.id!)?.state).toBe('cancelled');
  });

  it('records a failure with its error', async () => {
    const store = LibraryStore.open(':memory:');
    const job = new Job('broken', async () => { throw new Error('disk on fire'); }, { recorder: store });
    await expect(job.result).rejects.toMatchObject({ kind: 'internal' });
    expect(store.job(job.id!)).toMatchObject({ state: 'failed', error: { kind: 'internal', message: 'disk on fire' } });
  });
});
