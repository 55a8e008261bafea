import { parentPort, workerData } from 'node:worker_threads';
import { EngineError } from '../errors.ts';
import { EmbeddingModel } from '../model/runtime.ts';
import { decodeModelVersion } from '../model-version/model-file.ts';
import { analyseSound, type AnalysisSettings } from './analyse.ts';
import type { WorkerReply, WorkerRequest } from './analyse-protocol.ts';

/**
 * One indexing worker: its own ONNX session with a single intra-op thread (the pool gives one
 * worker per core), analysing one file at a time for the main thread, which alone writes SQL.
 */
const { onnxPath, settings, providers, version: versionBytes } = workerData as { onnxPath: string; settings: AnalysisSettings; providers?: string[]; version?: Uint8Array };
const version = versionBytes ? decodeModelVersion(versionBytes) : undefined;
const port = parentPort!;
const send = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

try {
  const model = await EmbeddingModel.open(onnxPath, { threads: 1, providers, log: () => undefined });
  send({ type: 'ready', provider: model.provider, dimension: model.dimension });
  const analyse = async (m: Extract<WorkerRequest, { type: 'analyse' }>) => {
    try {
      const a = await analyseSound(m.path, model, settings, undefined, version);
      const transfer = [a.peaks.buffer as ArrayBuffer, ...a.windows.map((w) => w.vector.buffer as ArrayBuffer), ...(a.features?.windows ?? []).map((w) => w.vector.buffer as ArrayBuffer)];
      send({ type: 'analysed', soundId: m.soundId, analysis: a }, [...new Set(transfer)]);
    } catch (err) {
      send({ type: 'failed', soundId: m.soundId, error: EngineError.from(err, m.path).toJSON() });
    }
  };
  // Work is chained so that 'close' releases the session only after the file in hand is done:
  // releasing it (or terminating the thread) during an inference aborts the whole process.
  let working = Promise.resolve();
  port.on('message', (m: WorkerRequest) => {
    if (m.type === 'close') {
      working = working.then(async () => {
        await model.close();
        port.close();
      });
    } else working = working.then(() => analyse(m));
  });
} catch (err) {
  send({ type: 'fatal', error: EngineError.from(err, onnxPath).toJSON() });
}
