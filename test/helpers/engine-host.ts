/** An engine host over a library file, for tests that need no face engine (no scan analyses anything). */
import { InProcessEngine } from '../../app/engine/client';
import { EngineHost } from '../../app/engine/host';

type HostOptions = ConstructorParameters<typeof EngineHost>[0];

const noFaceEngine = async (): Promise<never> => {
  throw new Error('no face engine in this test');
};

export function hostWithoutEngine(dbPath: string, extra: Partial<HostOptions> = {}): EngineHost {
  return new EngineHost({ dbPath, createAnalyzer: noFaceEngine, learnInWorker: false, ...extra });
}

/** The same through the engine's client (contract calls and events), without the learning service. */
export function engineWithoutAnalyzer(dbPath: string): InProcessEngine {
  return new InProcessEngine({ dbPath, createAnalyzer: noFaceEngine, learningService: null });
}
