/**
 * The face engine the CLI's imports draw faces with (faces drawn by hand in the exported library
 * or XMP that this library lacks): loaded on the first drawn face only, closed by `close()`.
 */
import { lazyFaceDrawer } from '../library/drawn-face';
import { createPipelineAnalyzer } from '../library/pipeline-analyzer';
import type { Store } from '../store/store';

export function cliFaceDrawer(store: Store, model: string) {
  let engine: Awaited<ReturnType<typeof createPipelineAnalyzer>> | null = null;
  const draw = lazyFaceDrawer(store, model, async () => {
    engine = await createPipelineAnalyzer({ embedder: model, provider: 'cpu' });
    const e = engine;
    return (buf, box) => e.pipeline.analyseBoxInBuffer(buf, box);
  });
  return { draw, close: async () => engine?.close?.() };
}
