/**
 * The face engine of the host, loaded once in the background (scans need it, app.info shows what
 * it runs on). A failed load is remembered for app.info and tried again on the next need.
 */
import { ContractError } from '../contract/contract';
import type { Analyzer } from '../library/analyzer';

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
