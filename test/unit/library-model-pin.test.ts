/**
 * A library keeps the model it was scanned with (store/settings.ts pinLibraryModel): a change of
 * the default never mixes two models' vectors in one library. Real SQLite files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { libraryModel, pinLibraryModel, setLibraryModel } from '../../app/store/settings';
import { Store } from '../../app/store/store';
import { writeSyntheticFaces } from '../helpers/synthetic-library';

const dir = mkdtempSync(join(tmpdir(), 'visage-pin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** `body` on a fresh library, closed after it whatever happens. */
function withLibrary(body: (store: Store) => void): void {
  const store = Store.open(join(dir, `l${++n}.db`));
  try {
    body(store);
  } finally {
    store.close();
  }
}

describe('pinLibraryModel', () => {
  it('a new, empty library takes the default and keeps it', () => {
    withLibrary((store) => {
      expect(libraryModel(store.db)).toBeNull();
      expect(pinLibraryModel(store.db, 'mobilefacenet-192')).toBe('mobilefacenet-192');
      expect(libraryModel(store.db)).toBe('mobilefacenet-192');
      // A later default does not move it.
      expect(pinLibraryModel(store.db, 'some-later-default')).toBe('mobilefacenet-192');
    });
  });

  it('a library scanned before the setting existed keeps the model of its faces, not the new default', () => {
    withLibrary((store) => {
      writeSyntheticFaces(store.db, 40, 1, 'dlib-resnet-v1');
      expect(pinLibraryModel(store.db, 'mobilefacenet-192')).toBe('dlib-resnet-v1');
      expect(libraryModel(store.db)).toBe('dlib-resnet-v1');
    });
  });

  it('the setting wins over the faces (a re-embed sets it before the faces move)', () => {
    withLibrary((store) => {
      writeSyntheticFaces(store.db, 40, 2, 'dlib-resnet-v1');
      setLibraryModel(store.db, 'fused-dlib-mfn-128');
      expect(pinLibraryModel(store.db, 'mobilefacenet-192')).toBe('fused-dlib-mfn-128');
    });
  });
});
