import { errorSentence } from '../../contract/errors.ts';
import type { EventBus } from '../../contract/events.ts';
import type { Job as JobView } from '../../contract/schema.ts';
import { EngineError } from '../errors.ts';
import type { Job } from '../jobs/job.ts';
import type { LibraryStore } from '../library/store.ts';

type Kind = JobView['kind'];

/** How a job's own progress reads as the contract's Job (done/total/rate/eta/current). */
export type ProgressView<P> = (progress: P) => Pick<JobView, 'done' | 'total' | 'ratePerSec' | 'etaSec' | 'current'> & { message?: string | null };

interface Tracked {
  job: Job<object, unknown>;
  kind: Kind;
  view: JobView;
  // Progress events can come hundreds of times a second; the renderer needs about ten.
  lastPush: number;
}

/**
 * Every long job the app runs (scan, re-embed, evaluation, training, import) goes through here:
 * its progress becomes `job.progress` events, and pause/resume/cancel find it by id. The
 * durable record of each job is the store's (the Job class writes it).
 */
export class Jobs {
  private readonly live = new Map<number, Tracked>();
  private nextLocalId = -1;

  constructor(
    private readonly store: LibraryStore,
    private readonly events: EventBus,
  ) {}

  track<P extends object>(job: Job<P, unknown>, kind: Kind, view: ProgressView<P>): JobView {
    const id = job.id ?? this.nextLocalId--;
    const tracked: Tracked = {
      job: job as unknown as Job<object, unknown>,
      kind,
      view: { id: Math.abs(id), kind, state: 'running', done: 0, total: 0, ratePerSec: 0, etaSec: null, current: null, message: null },
      lastPush: 0,
    };
    this.live.set(tracked.view.id, tracked);
    const push = (force: boolean) => {
      const now = Date.now();
      if (!force && now - tracked.lastPush < 100) return;
      tracked.lastPush = now;
      this.events.emit('job.progress', { ...tracked.view });
    };
    job.on('progress', (p) => {
      const v = view(p);
      const message = v.message ?? tracked.view.message;
      // A new phase ("Unpacking …" after "Downloading …") is always shown, however soon it follows.
      const newPhase = message !== tracked.view.message;
      tracked.view = { ...tracked.view, ...v, message };
      push(newPhase);
    });
    job.on('state', (s) => {
      tracked.view = { ...tracked.view, state: s };
      push(true);
    });
    job.on('failed', (e) => {
      tracked.view = { ...tracked.view, message: e.message };
      push(true);
    });
    return tracked.view;
  }

  list(): JobView[] {
    const live = [...this.live.values()].map((t) => t.view);
    const liveIds = new Set(live.map((j) => j.id));
    const recorded = this.store.jobs({ limit: 20 }).filter((r) => !liveIds.has(r.id)).flatMap((r): JobView[] => {
      const kind = toKind(r.kind);
      if (!kind) return [];
      const p = r.progress as { done?: number; total?: number };
      return [{ id: r.id, kind, state: r.state, done: p.done ?? 0, total: p.total ?? 0, ratePerSec: 0, etaSec: null, current: null, message: r.error ? errorSentence(r.error) : null }];
    });
    return [...live.reverse(), ...recorded];
  }

  control(id: number, action: 'pause' | 'resume' | 'cancel'): JobView {
    const t = this.live.get(id);
    if (!t) throw new EngineError('not-found', `Job ${id} is not running.`);
    if (action === 'pause') t.job.pause();
    else if (action === 'resume') t.job.resume();
    else t.job.cancel();
    return { ...t.view, state: t.job.state };
  }

  running(kind: Kind): Job<object, unknown> | undefined {
    for (const t of this.live.values()) if (t.kind === kind && (t.job.state === 'running' || t.job.state === 'paused')) return t.job;
    return undefined;
  }

  cancelAll(): void {
    for (const t of this.live.values()) t.job.cancel();
  }
}

function toKind(kind: string): Kind | undefined {
  return (['scan', 'reembed', 'backbone', 'evaluation', 'training', 'import', 'download'] as const).find((k) => k === kind);
}
