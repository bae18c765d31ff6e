/** Scanning a labelled tree into an evaluation library (eval-clusters, eval-user): the real engine, no thumbnails. */
import { progress } from './command';
import { createLibraryAnalyzer } from '../library/analyzer-pool';
import { Scanner } from '../library/scanner';
import type { Store } from '../store/store';
import type { FacePipelineOptions } from '../faces/pipeline';

/** `model`: the embedder to scan with (default: the registry's default); `engine`: other engine options. */
export async function scanTree(store: Store, dirs: string[], threads: number, label: string, model?: string, engine: FacePipelineOptions = {}): Promise<void> {
  const analyzer = await createLibraryAnalyzer({ ...engine, threads, embedder: model });
  try {
    const scanner = new Scanner({ store, analyzer, concurrency: 2, thumbnails: null, progressIntervalMs: 5000 });
    scanner.on('progress', (pr: { done: number; found: number }) => progress(`${label}: indexed ${pr.done}/${pr.found}`));
    await scanner.scan(dirs);
  } finally {
    await analyzer.close?.();
  }
}
