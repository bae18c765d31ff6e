/** An engine host over a library file, for tests that need no face engine (no scan analyses anything). */
import { EngineHost } from '../../app/engine/host';

type HostOptions = ConstructorParameters<typeof EngineHost>[0];

export function hostWithoutEngine(dbPath: string, extra: Partial<HostOptions> = {}): EngineHost {
  return new EngineHost({
    dbPath,
    createAnalyzer: async () => {
      throw new Error('no face engine in this test');
    },
    learnInWorker: false,
    ...extra,
  });
}
