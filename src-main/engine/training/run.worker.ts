import { parentPort, workerData } from 'node:worker_threads';
import { EngineError } from '../errors.ts';
import { encodeRunCheckpoint, runTraining } from './run.ts';
import type { RunWorkerData, RunWorkerReply, RunWorkerRequest } from './run-protocol.ts';

/** A training run off the main thread: progress and checkpoints go out as messages, a cancel comes in. */
const { input, resume } = workerData as RunWorkerData;
const port = parentPort!;
const send = (m: RunWorkerReply) => port.postMessage(m);
const controller = new AbortController();
port.on('message', (m: RunWorkerRequest) => {
  if (m.type === 'cancel') controller.abort();
});

try {
  const result = await runTraining(input, {
    signal: controller.signal,
    resume,
    onProgress: (progress) => send({ type: 'progress', progress }),
    onCheckpoint: (c) => send({ type: 'checkpoint', bytes: encodeRunCheckpoint(c) }),
  });
  send({ type: 'done', result });
} catch (err) {
  send({ type: 'failed', error: EngineError.from(err).toJSON() });
}
port.close();
