/** app.info: the version, the mode, the face engine and its models, the last scan's speed, the library's face model. */
import type { AppInfo, LibraryModelState } from '../../contract/contract';
import { DEFAULT_EMBEDDER, MODELS } from '../../faces/models/registry';
import type { AnalyzerLoader } from '../analyzer';
import { versionOf } from '../version';
import type { HandlersFor } from './types';

export interface AppDeps {
  dbPath: string;
  mode: 'electron' | 'browser';
  analyzer: AnalyzerLoader;
  /** Photos per second of the last scan, null if none yet. */
  scanRate: () => number | null;
  /** The library's face model and its move (./model.ts). */
  libraryModel: () => LibraryModelState;
}

function text(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function appHandlers(d: AppDeps): HandlersFor<'app.info'> {
  return {
    'app.info': async (): Promise<AppInfo> => {
      let info: Record<string, unknown> | null = d.analyzer.info;
      if (!info && !d.analyzer.error) {
        info = await d.analyzer
          .get()
          .then(() => d.analyzer.info)
          .catch(() => null);
      }
      const embedder = text(info?.embedder);
      const detector = text(info?.detector);
      const landmarks = text(info?.landmarks);
      return {
        version: versionOf(),
        mode: d.mode,
        engine: { ready: info !== null, provider: text(info?.provider), embedder, detector, landmarks, error: d.analyzer.error },
        scanRate: d.scanRate(),
        models: MODELS.map((m) => ({ id: m.id, kind: m.role, inUse: m.id === (embedder ?? DEFAULT_EMBEDDER) || m.id === info?.detector || m.id === info?.landmarks })),
        dbPath: d.dbPath,
        libraryModel: d.libraryModel(),
      };
    },
  };
}
