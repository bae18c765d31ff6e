/**
 * What the scanner needs from a face engine. The real one is app/faces/pipeline.ts
 * (see pipeline-analyzer.ts); unit tests about queueing may pass a small fake.
 */
import type { Box, FaceRecord, PhotoAnalysis } from '../faces/types';
import type { RenderedThumbnails } from './thumbnails';

export interface AnalyzeOptions {
  /** Also render the photo's thumbnails from the pixels the analysis decoded (one decode a photo). */
  thumbnails?: boolean;
  /** Faces the user drew on the photo's earlier version, analysed again on these pixels (same decode). */
  drawn?: DrawnBoxes;
}

/** Boxes drawn on a `width` x `height` version of a photo (full-resolution upright pixels). */
export interface DrawnBoxes {
  width: number;
  height: number;
  boxes: Box[];
}

/** An analysis, with the thumbnails when asked for and the analyzer can make them. */
export interface ScanAnalysis extends PhotoAnalysis {
  thumbnails?: RenderedThumbnails;
  /** ms spent rendering them (in the analyzer's thread). */
  thumbnailMs?: number;
  /**
   * With `drawn` (and an analyzer that can): one entry a drawn box, in order, the face in it on
   * these pixels with its box scaled to them (app/library/drawn-face.ts mapDrawnBox), or null where
   * the box cannot be mapped.
   */
  drawn?: (FaceRecord | null)[];
}

export interface Analyzer {
  analyzeFile(path: string): Promise<PhotoAnalysis>;
  /** Preferred when present: the scanner has already read (and hashed) the bytes. */
  analyzeBuffer?(buf: Buffer, opts?: AnalyzeOptions): Promise<ScanAnalysis>;
  /**
   * The face in a box the user drew (full-resolution upright pixels) of a photo's bytes
   * (FacePipeline.analyseBox): "draw a face by hand".
   */
  analyseBox?(buf: Buffer, box: Box): Promise<FaceRecord>;
  /** Model id of the embeddings it produces. */
  readonly embedderId: string;
  /** Where its networks run (cpu, cuda, ...) and how many engines it has, when it knows. */
  readonly provider?: string;
  readonly workers?: number;
  close?(): Promise<void>;
}

/** Error code carried by an engine error, if any (`err.code`). */
export function errorCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' && c.length > 0 ? c : undefined;
}
