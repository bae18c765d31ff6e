/** Learning from corrections: the projection head and its triplet-loss training job. See docs/learning.md. */
export * from './head';
export * from './record';
export * from './loss';
export * from './dataset';
export * from './sampler';
export * from './evaluate';
export * from './optim';
export * from './train';
export * from './versions';
export { Rng } from './rng';
export { trainHeadInWorker, defaultWorkerPath, WORKER_KIND, type WorkerRunOptions } from './train-worker';
export { syntheticIdentities, type SyntheticOptions, type SyntheticSet } from './synthetic';
