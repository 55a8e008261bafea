import type { AppInfo, Job, Settings } from '../../src-main/contract/schema.ts';
import { api } from './api.ts';
import { attempt, status } from './status.svelte.ts';

const JOB_NAMES: Record<Job['kind'], string> = { scan: 'Scan', reembed: 'Re-embedding', backbone: 'Backbone switch', evaluation: 'Evaluation', training: 'Training', import: 'Import', download: 'Download' };

export type Screen = 'search' | 'library' | 'training' | 'evaluation' | 'settings';

export const SCREENS: { id: Screen; label: string; key: string }[] = [
  { id: 'search', label: 'Search', key: '1' },
  { id: 'library', label: 'Library', key: '2' },
  { id: 'training', label: 'Training', key: '3' },
  { id: 'evaluation', label: 'Evaluation', key: '4' },
  { id: 'settings', label: 'Settings', key: '5' },
];

const FINISHED = new Set(['done', 'failed', 'cancelled']);

/** What every screen shares: which screen is open, the app's facts, the settings and the jobs. */
class AppState {
  screen = $state<Screen>('search');
  info = $state<AppInfo | null>(null);
  settings = $state<Settings | null>(null);
  jobs = $state<Record<number, Job>>({});
  /** Indexed sounds in the library (null until known): an empty library leads to the Library screen. */
  librarySounds = $state<number | null>(null);

  /** Jobs still working, newest first. */
  readonly activeJobs = $derived(
    Object.values(this.jobs)
      .filter((job) => !FINISHED.has(job.state))
      .sort((a, b) => b.id - a.id),
  );

  #jobWatchers = new Set<(job: Job) => void>();

  async load(): Promise<void> {
    api.on('job.progress', (job) => this.trackJob(job));
    // Progress pushed while the socket was down is lost: ask for the jobs' state again.
    api.onReconnect(() => void attempt(() => api.call('jobs.list')).then((jobs) => jobs?.forEach((job) => this.trackJob(job))));
    const [info, settings, jobs] = await Promise.all([
      attempt(() => api.call('app.info')),
      attempt(() => api.call('settings.get')),
      attempt(() => api.call('jobs.list')),
    ]);
    if (info) this.info = info;
    if (settings) this.settings = settings;
    for (const job of jobs ?? []) this.trackJob(job);
    if (info && !info.model) void this.#awaitModel();
    const countSounds = () => void api.call('library.stats').then((s) => (this.librarySounds = s.sounds), () => undefined);
    countSounds();
    api.on('library.changed', countSounds);
  }

  /** Main builds the model after the window opens: ask again until it is there (no event says so). */
  async #awaitModel(): Promise<void> {
    for (let delayMs = 500; !this.info?.model; delayMs = Math.min(delayMs * 2, 5000)) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const info = await api.call('app.info').catch(() => null);
      if (info) this.info = info;
    }
  }

  trackJob(job: Job): void {
    const before = this.jobs[job.id]?.state;
    this.jobs[job.id] = job;
    // Say once how a job ended, so the line never keeps saying "scanning…" after a scan.
    if (before && before !== job.state && (job.state === 'done' || job.state === 'failed')) {
      status.say(`${JOB_NAMES[job.kind]} ${job.state === 'done' ? 'finished' : 'failed'}${job.message ? `: ${job.message}` : ''}`, job.state === 'failed' ? 'error' : 'info');
    }
    // A new model version or backbone in use: the status line names the model search uses now.
    if (before && before !== 'done' && job.state === 'done' && (job.kind === 'reembed' || job.kind === 'backbone')) {
      void api.call('app.info').then((info) => (this.info = info), () => undefined);
    }
    for (const watcher of this.#jobWatchers) watcher(job);
  }

  latestJob(kind: Job['kind']): Job | null {
    let latest: Job | null = null;
    for (const job of Object.values(this.jobs)) if (job.kind === kind && (!latest || job.id > latest.id)) latest = job;
    return latest;
  }

  /** Called for every job update; returns the unsubscribe function. */
  watchJobs(watcher: (job: Job) => void): () => void {
    this.#jobWatchers.add(watcher);
    return () => this.#jobWatchers.delete(watcher);
  }

  async updateSettings(change: Partial<Settings>): Promise<void> {
    const next = await attempt(() => api.call('settings.update', change));
    if (next) this.settings = next;
  }
}

export function isFinished(job: Job): boolean {
  return FINISHED.has(job.state);
}

export const app = new AppState();
