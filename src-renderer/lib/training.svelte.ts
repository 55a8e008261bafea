import type { Job } from '../../src-main/contract/schema.ts';
import type { EventPayload } from '../../src-main/contract/methods.ts';
import { api } from './api.ts';

type CurvePoint = EventPayload<'train.curve'>['point'];

/**
 * The live curves of training runs, collected from the moment the app opens so that leaving
 * the training screen and coming back loses no epoch.
 */
class TrainingCurves {
  byJob = $state<Record<number, CurvePoint[]>>({});
  #connected = false;

  connect(): void {
    if (this.#connected) return;
    this.#connected = true;
    api.on('train.curve', ({ jobId, point }) => {
      const points = this.byJob[jobId] ?? [];
      this.byJob[jobId] = [...points.filter((p) => p.epoch !== point.epoch), point];
    });
  }

  of(job: Job | null): CurvePoint[] {
    return job ? (this.byJob[job.id] ?? []) : [];
  }
}

export const curves = new TrainingCurves();
