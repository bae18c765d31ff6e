export { Store } from './store';
export { openDatabase, StoreError, type OpenOptions } from './database';
export { MIGRATIONS, LATEST_VERSION, migrate, schemaVersion } from './migrations';
export { defaultDbPath, userDataDir, thumbnailDirFor, resolveDbPath } from './paths';
export { embeddingOf, EMBEDDING_BYTES } from './faces-repo';
export type * from './types';
export { photoJson, faceJson, errorJson } from './rows-json';
