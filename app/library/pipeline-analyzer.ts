/** The real analyzer: app/faces/pipeline.ts's FacePipeline. */
import { FacePipeline, type FacePipelineOptions } from '../faces/pipeline';
import type { Analyzer } from './analyzer';

export async function createPipelineAnalyzer(options: FacePipelineOptions = {}): Promise<Analyzer & { pipeline: FacePipeline }> {
  const engine = await FacePipeline.create({ provider: 'cpu', threads: 1, ...options });
  return {
    pipeline: engine,
    embedderId: engine.embedderId,
    analyzeFile: (p) => engine.analyzeFile(p),
    analyzeBuffer: (b) => engine.analyzeBuffer(b),
    analyseBox: (b, box) => engine.analyseBoxInBuffer(b, box),
    close: () => engine.close(),
  };
}
