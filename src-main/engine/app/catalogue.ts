import type { Backbone as BackboneView, DatasetInfo, Job as JobView } from '../../contract/schema.ts';
import { datasetEntry, datasetNotice, fetchDataset, listDatasets, type DatasetStatus, type FetchPhase } from '../evaluation/dataset-fetch.ts';
import { Job } from '../jobs/job.ts';
import type { LibraryStore } from '../library/store.ts';
import { addBackbone, listBackbones, type BackboneChoice } from '../model/backbone.ts';
import type { DataPaths } from '../paths.ts';
import type { Jobs } from './jobs.ts';
import type { Library } from './library.ts';

/**
 * What Onomato can fetch or be given: the backbones (Settings -> Model) and the public datasets of
 * real imitations (Training and Evaluation screens). A download runs as a job with progress and
 * cancel; cancelling keeps what arrived, and the next fetch resumes it.
 */
export class Catalogue {
  constructor(
    private readonly store: LibraryStore,
    private readonly paths: DataPaths,
    private readonly jobs: Jobs,
    private readonly library: Library,
  ) {}

  async backbones(): Promise<BackboneView[]> {
    const inUse = this.library.backbone ?? undefined;
    return (await listBackbones(this.paths.models)).map((b) => view(b, inUse));
  }

  async addBackbone(path: string): Promise<BackboneView> {
    const built = await addBackbone(this.paths.models, path);
    const added = (await listBackbones(this.paths.models)).find((b) => b.id === built.id)!;
    return view(added, this.library.backbone ?? undefined);
  }

  async datasets(): Promise<DatasetInfo[]> {
    return (await listDatasets(this.paths.datasets)).map(datasetView);
  }

  fetchDataset(id: string): JobView {
    const entry = datasetEntry(id);
    // Rates are per phase and count only this session's bytes, so a resumed download's ETA is not fooled by what was already there.
    type Progress = { phase: FetchPhase; done: number; total: number; startedAt: number; startedFrom: number };
    const job = new Job<Progress, DatasetStatus>('download', async (control) => {
      let current: Progress | undefined;
      return fetchDataset(this.paths.datasets, entry.id, {
        signal: control.signal,
        onProgress: (phase, done, total) => {
          if (current?.phase !== phase) current = { phase, done, total, startedAt: Date.now(), startedFrom: done };
          current = { ...current, done, total };
          control.report(current);
        },
      });
    }, { recorder: this.store, config: { dataset: entry.id, url: entry.url } });
    return this.jobs.track(job, 'download', (p) => {
      const seconds = (Date.now() - p.startedAt) / 1000;
      const rate = seconds > 0.5 ? (p.done - p.startedFrom) / seconds : 0;
      const what = p.phase === 'download' ? `Downloading ${entry.name}`
        : p.phase === 'unpack' ? `Unpacking ${entry.name}`
          : p.done >= p.total ? `${entry.name} is ready in the data folder` : `Checking ${entry.name}`;
      return {
        done: p.done, total: p.total, ratePerSec: rate,
        etaSec: rate > 0 && p.total > p.done ? (p.total - p.done) / rate : null,
        current: entry.id, message: what,
      };
    });
  }
}

function view(b: BackboneChoice, inUse: string | undefined): BackboneView {
  return { ...b, bytes: b.bytes ?? null, unverified: b.unverified ?? null, inUse: b.id === inUse };
}

function datasetView(s: DatasetStatus): DatasetInfo {
  return {
    id: s.id, name: s.name, state: s.state, folder: s.folder, root: s.root ?? null,
    items: s.items ?? null, queries: s.queries ?? null, problems: s.problems ?? null, downloadedBytes: s.downloadedBytes ?? null,
    notice: s.entry ? datasetNotice(s.entry) : null,
  };
}
