/**
 * The face engine of the host, loaded once in the background (scans need it, app.info shows what
 * it runs on). A failed load is remembered for app.info and tried again on the next need.
 */
import { ContractError } from '../contract/contract';
import type { Analyzer } from '../library/analyzer';
import { lazyFaceDrawer } from '../library/drawn-face';
import type { DrawFace } from '../people/api';
import type { Store } from '../store/store';

export type EngineAnalyzer = Analyzer & { info?: Record<string, unknown> };

export class AnalyzerLoader {
  private loading: Promise<EngineAnalyzer> | null = null;
  /** Why the last load failed (null: it did not). */
  error: string | null = null;
  /** What the loaded engine runs on (provider, models), null until it is loaded. */
  info: Record<string, unknown> | null = null;

  constructor(private readonly create: () => Promise<EngineAnalyzer>) {}

  /** The face engine; ContractError('unavailable') when it cannot start. */
  get(): Promise<EngineAnalyzer> {
    if (!this.loading) {
      this.loading = this.create().then(
        (a) => {
          this.info = a.info ?? null;
          return a;
        },
        (e: Error) => {
          this.error = e.message;
          this.loading = null;
          throw new ContractError('unavailable', `the face engine could not start: ${e.message}`);
        },
      );
    }
    return this.loading;
  }

  /**
   * Draws faces with this face engine (loaded when the first face is drawn), each checked to be of
   * `model` (app/library/drawn-face.ts): imports of drawn faces, redo of a face drawn before a move.
   */
  drawer(store: Store, model: string): DrawFace {
    return lazyFaceDrawer(store, model, async () => {
      const a = await this.get();
      if (!a.analyseBox) throw new ContractError('unavailable', 'this face engine cannot analyse a drawn box');
      return a.analyseBox.bind(a);
    });
  }

  /**
   * The library moved to another face model: the loaded engine (which embeds with the old one) is
   * closed and the next need creates it again, reading the library's model anew.
   */
  async reload(): Promise<void> {
    const old = this.loading;
    this.loading = null;
    this.info = null;
    this.error = null;
    const a = await old?.catch(() => null);
    await a?.close?.();
  }

  /** Closes the engine if it was loaded (waits for a load in progress). */
  async close(): Promise<void> {
    const a = await this.loading?.catch(() => null);
    await a?.close?.();
  }
}
