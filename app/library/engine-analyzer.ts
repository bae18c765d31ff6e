/** The real analyzer: app/pipeline/face-engine.ts's FaceEngine. */
import { FaceEngine, type FaceEngineOptions } from '../pipeline/face-engine';
import type { Analyzer } from './analyzer';

export async function createEngineAnalyzer(options: FaceEngineOptions = {}): Promise<Analyzer & { engine: FaceEngine }> {
  const engine = await FaceEngine.create({ provider: 'cpu', threads: 1, ...options });
  return {
    engine,
    embedderId: engine.embedderId,
    analyzeFile: (p) => engine.analyzeFile(p),
    analyzeBuffer: (b) => engine.analyzeBuffer(b),
    close: () => engine.close(),
  };
}
