export { Scanner, ScanInputError, normaliseRoots, type ScannerOptions, type ScanSummary, type FileError, type JobOutcome } from './scanner';
export type { ScanProgress, ScanPhase } from './progress';
export type { Analyzer } from './analyzer';
export { createEngineAnalyzer } from './engine-analyzer';
export { ThumbnailCache } from './thumbnails';
export { walk, type WalkEntry, type WalkProblem } from './walker';
export { sniffFormat, formatFromExtension, hasPhotoExtension, PHOTO_EXTENSIONS, type PhotoFormat } from './formats';
export { readPhotoMetadata, type PhotoMetadata } from './photo-metadata';
export { heicToPng, decodeHeic } from './heic';
