/**
 * Worker-thread entry of the analyzer pool: one FacePipeline per worker (one CPU thread each), so
 * that photos are analysed on several cores at once (onnxruntime-node runs inference on the
 * calling thread).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FacePipeline, type FacePipelineOptions } from '../faces/pipeline';
import type { Box } from '../faces/types';
import type { DrawnBoxes } from './analyzer';
import { analyzeWithThumbnails } from './pipeline-analyzer';

interface Job {
  id: number;
  path?: string;
  buffer?: Uint8Array;
  /** With a buffer: analyse only the face in this box (FacePipeline.analyseBox). */
  box?: Box;
  /** With a buffer: render the thumbnails from the same decode too. */
  thumbnails?: boolean;
  /** With a buffer: analyse these drawn faces on the same decode too. */
  drawn?: DrawnBoxes;
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
      const buf = job.buffer && Buffer.from(job.buffer.buffer, job.buffer.byteOffset, job.buffer.byteLength);
      const result = buf && job.box ? await engine.analyseBoxInBuffer(buf, job.box) : buf ? await analyzeWithThumbnails(engine, buf, { thumbnails: job.thumbnails, drawn: job.drawn }) : await engine.analyzeFile(job.path!);
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
