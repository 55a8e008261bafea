import { writeFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { EngineError } from '../errors.ts';
import { CANCELLED, PAUSED, type EvaluateWorkerData, type EvaluateWorkerReply, type EvaluateWorkerRequest } from './evaluate-protocol.ts';
import type { SimilarityMatrix } from './metrics.ts';
import { runEvaluation } from './run.ts';
import { openSystems } from './system-registry.ts';
import { countingCache, exportSimilarityJson, folderEmbeddingCache } from './systems.ts';

/** An evaluation off the main thread: progress goes out as messages, a cancel comes in. */
const { dataset, specs, cacheDir, exportFile, threads, gate } = workerData as EvaluateWorkerData;
const port = parentPort!;
const send = (m: EvaluateWorkerReply) => port.postMessage(m);
const controller = new AbortController();
port.on('message', (m: EvaluateWorkerRequest) => {
  if (m.type === 'cancel') controller.abort();
});
const state = new Int32Array(gate);

/** Called after every sound: waits here while paused, and turns a cancel into the run's abort signal. */
function passGate(): void {
  while (Atomics.load(state, 0) === PAUSED) Atomics.wait(state, 0, PAUSED);
  if (Atomics.load(state, 0) === CANCELLED) controller.abort();
}

/** One file for one system; with several, the system's id goes before the extension. */
function exportPath(file: string, systemId: string, several: boolean): string {
  if (!several) return file;
  const dot = file.lastIndexOf('.');
  return dot > file.lastIndexOf('/') ? `${file.slice(0, dot)}.${systemId}${file.slice(dot)}` : `${file}.${systemId}.json`;
}

const opened = await openSystems(specs, { threads }).catch((err: unknown) => {
  send({ type: 'failed', error: EngineError.from(err).toJSON() });
  return null;
});
if (opened) {
  try {
    const cache = cacheDir ? countingCache(folderEmbeddingCache(cacheDir)) : null;
    const labels = new Map(opened.systems.map((s) => [s.id, s.label]));
    const matrices: [string, SimilarityMatrix][] = [];
    const report = await runEvaluation(dataset, opened.systems, {
      signal: controller.signal,
      cache: cache ?? undefined,
      onProgress: (p) => {
        send({ type: 'progress', progress: { ...p, label: labels.get(p.systemId) ?? p.systemId } });
        passGate();
      },
      onSimilarity: exportFile ? (id, m) => matrices.push([id, m]) : undefined,
    });
    const exported: string[] = [];
    for (const [id, m] of matrices) {
      const file = exportPath(exportFile!, id, matrices.length > 1);
      await writeFile(file, JSON.stringify(exportSimilarityJson(m))).catch((err: unknown) => {
        throw EngineError.from(err, file);
      });
      exported.push(file);
    }
    send({ type: 'done', outcome: { report, cache: cache ? { ...cache.stats } : { hits: 0, misses: 0 }, exported } });
  } catch (err) {
    send({ type: 'failed', error: EngineError.from(err).toJSON() });
  } finally {
    await opened.close();
  }
}
port.close();
