/** The people (clustering) core: pure modules, no database. See docs/clustering.md. */
export * from './types';
export * from './thresholds';
export * from './vector';
export { AutoIndex, BruteForceIndex, HnswIndex, loadHnsw, type KnnIndex, type Neighbor } from './ann';
export { averageLinkage, type HacInput, type HacResult } from './hac';
export { buildSimilarityGraph } from './graph';
export { selectPrototypes } from './prototypes';
export { PeopleIndex, emptyChanges, type AssignDecision, type LoadState, type PeopleIndexOptions } from './people-index';
export { recluster, type ReclusterInput, type ReclusterResult } from './recluster';
export { clusterMetrics, type ClusterMetrics } from './metrics';
