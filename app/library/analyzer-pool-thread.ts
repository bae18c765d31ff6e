/**
 * Worker-thread entry of the analyzer pool: one FacePipeline per worker (one CPU thread each), so
 * that photos are analysed on several cores at once (onnxruntime-node runs inference on the
 * calling thread).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FacePipeline, type FacePipelineOptions } from '../faces/pipeline';

interface Job {
  id: number;
  path?: string;
  buffer?: Uint8Array;
}

async function main(): Promise<void> {
  const engine = await FacePipeline.create(workerData as FacePipelineOptions);
  parentPort!.postMessage({ ready: true, embedderId: engine.embedderId, provider: engine.provider, info: engine.info });
  const onMessage = async (job: Job | 'close'): Promise<void> => {
    if (job === 'close') {
      await engine.close();
      parentPort!.postMessage({ closed: true });
      return;
    }
    try {
      const result = job.buffer ? await engine.analyzeBuffer(Buffer.from(job.buffer.buffer, job.buffer.byteOffset, job.buffer.byteLength)) : await engine.analyzeFile(job.path!);
      parentPort!.postMessage({ id: job.id, result });
    } catch (e) {
      const err = e as Error & { code?: string };
      parentPort!.postMessage({ id: job.id, error: { message: err.message, code: err.code, name: err.name } });
    }
  };
  // Not awaited, as before: a failing engine.close() is an unhandled rejection, which ends the worker.
  parentPort!.on('message', (job: Job | 'close') => void onMessage(job));
}

main().catch((e: Error) => parentPort!.postMessage({ fatal: e.message }));
