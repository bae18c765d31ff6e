/** The real analyzer: app/faces/pipeline.ts's FacePipeline. */
import { FacePipeline, type FacePipelineOptions } from '../faces/pipeline';
import type { Analyzer, AnalyzeOptions, ScanAnalysis } from './analyzer';
import { mapDrawnBox } from './drawn-face';
import { renderThumbnails } from './thumbnails';

/**
 * A photo's bytes through the engine, decoded once: the faces, the faces the user drew on its
 * earlier version (when given: their boxes mapped to these pixels, then analysed as when drawn,
 * FacePipeline.analyseBox), and (when asked) the thumbnails rendered from the same decoded
 * pixels. Used in this thread and in the pool's worker threads.
 */
export async function analyzeWithThumbnails(engine: FacePipeline, buf: Buffer, opts: AnalyzeOptions = {}): Promise<ScanAnalysis> {
  const t0 = performance.now();
  const photo = await engine.decode(buf);
  const analysis: ScanAnalysis = await engine.analyzeDecoded(photo, performance.now() - t0);
  if (opts.drawn) {
    const size = { width: photo.fullWidth, height: photo.fullHeight };
    analysis.drawn = [];
    for (const b of opts.drawn.boxes) {
      const box = mapDrawnBox(b, opts.drawn, size);
      analysis.drawn.push(box && (await engine.analyseBox(photo, box)));
    }
  }
  if (opts.thumbnails) {
    const t1 = performance.now();
    analysis.thumbnails = await renderThumbnails(photo.image, photo.scale, analysis.faces.map((f) => f.box));
    analysis.thumbnailMs = performance.now() - t1;
  }
  return analysis;
}

export async function createPipelineAnalyzer(options: FacePipelineOptions = {}): Promise<Analyzer & { pipeline: FacePipeline }> {
  const engine = await FacePipeline.create({ provider: 'cpu', threads: 1, ...options });
  return {
    pipeline: engine,
    embedderId: engine.embedderId,
    provider: engine.provider,
    workers: 1,
    analyzeFile: (p) => engine.analyzeFile(p),
    analyzeBuffer: (b, o) => analyzeWithThumbnails(engine, b, o),
    analyseBox: (b, box) => engine.analyseBoxInBuffer(b, box),
    close: () => engine.close(),
  };
}
