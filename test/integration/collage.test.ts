/**
 * The collage rule on real photos scanned by the real engine (the default model): a photo holding
 * one man twice (his photo beside its mirror image, as in a mirror selfie, and a photo-booth strip
 * of the same shot at two sizes) puts both faces in his person; a photo of two different men keeps
 * them apart. With the rule off (collage 2) the same library keeps one copy out, as before.
 */
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineAnalyzer } from '../../app/library/pipeline-analyzer';
import { Scanner } from '../../app/library/scanner';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import { PEOPLE, requireDatasets } from '../helpers/paths';

const work = mkdtempSync(join(tmpdir(), 'visage-collage-'));
const library = join(work, 'library');
let store: Store;

/** Tiles side by side on grey, each scaled to `height` px high (top-aligned), the mirror image where `flip`. */
async function sideBySide(out: string, tiles: { file: string; flip?: boolean; height: number }[]): Promise<void> {
  const made = await Promise.all(
    tiles.map(async (t) => {
      // a grey margin round each tile: the johns' photos are tight crops of the face
      let img = sharp(t.file).resize({ height: t.height }).extend({ top: 60, bottom: 60, left: 60, right: 60, background: '#808080' });
      if (t.flip) img = img.flop();
      return img.png().toBuffer({ resolveWithObject: true });
    }),
  );
  const width = made.reduce((w, t) => w + t.info.width, 0);
  const height = Math.max(...made.map((t) => t.info.height));
  let left = 0;
  const composite = made.map((t) => {
    const c = { input: t.data, left, top: 0 };
    left += t.info.width;
    return c;
  });
  await sharp({ create: { width, height, channels: 3, background: '#808080' } }).composite(composite).jpeg({ quality: 92 }).toFile(out);
}

const src = join(PEOPLE, 'dlib-johns');
const photosOf = (id: string) =>
  readdirSync(join(src, id))
    .sort()
    .map((f) => join(src, id, f));

beforeAll(async () => {
  requireDatasets();
  // 5 photos of each of the 5 johns, and three photos of two faces each
  for (const id of readdirSync(src).filter((d) => !d.includes('.'))) {
    mkdirSync(join(library, id), { recursive: true });
    for (const f of photosOf(id).slice(0, 5)) symlinkSync(f, join(library, id, basename(f)));
  }
  mkdirSync(join(library, 'together'));
  const salley = photosOf('John_Salley')[6]!;
  await sideBySide(join(library, 'together', 'salley-mirror.jpg'), [{ file: salley, height: 220 }, { file: salley, flip: true, height: 220 }]);
  await sideBySide(join(library, 'together', 'savage-strip.jpg'), [{ file: photosOf('John_Savage')[6]!, height: 220 }, { file: photosOf('John_Savage')[6]!, height: 160 }]);
  await sideBySide(join(library, 'together', 'salley-savage.jpg'), [{ file: photosOf('John_Salley')[7]!, height: 220 }, { file: photosOf('John_Savage')[7]!, height: 220 }]);
  store = Store.open(join(work, 'lib.db'));
  const analyzer = await createPipelineAnalyzer({ threads: 1, provider: 'cpu' });
  await new Scanner({ store, analyzer, thumbnails: null }).scan([library]);
  await analyzer.close?.();
}, 300_000);

afterAll(() => store?.close());

/**
 * The clear faces (seed quality) of one photo of the library and the person of each. (The mirror
 * photo also yields blurred detections along its seam, quality 0: no person's business.)
 */
function facesOf(svc: PeopleService, file: string): { id: number; person: number | null }[] {
  const rows = store.db
    .prepare<[string, number], { id: number }>('SELECT f.id FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.path LIKE ? AND f.not_a_face = 0 AND f.q_score >= ? ORDER BY f.id')
    .all(`%/together/${file}`, svc.thresholds.qualityMin);
  return rows.map((r) => ({ id: r.id, person: svc.face(r.id)!.personId }));
}

/** The person most of an identity's own photos are in. */
function personOf(svc: PeopleService, id: string): number {
  const counts = new Map<number, number>();
  for (const p of svc.listPeople()) {
    for (const f of svc.personFaces(p.id)) if (basename(dirname(f.photoPath)) === id) counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

describe('one man twice in one photo (the collage rule, real photos)', () => {
  it('on (the default model): both faces of the mirror photo and of the strip are his; two different men stay apart', () => {
    const svc = new PeopleService(store.db);
    expect(svc.thresholds.collage).toBeLessThanOrEqual(1);
    svc.recluster();
    const mirror = facesOf(svc, 'salley-mirror.jpg');
    const strip = facesOf(svc, 'savage-strip.jpg');
    const two = facesOf(svc, 'salley-savage.jpg');
    expect(mirror).toHaveLength(2);
    expect(strip).toHaveLength(2);
    expect(two).toHaveLength(2);
    const salley = personOf(svc, 'John_Salley'), savage = personOf(svc, 'John_Savage');
    expect(mirror.map((f) => f.person)).toEqual([salley, salley]);
    expect(strip.map((f) => f.person)).toEqual([savage, savage]);
    expect(two[0]!.person === null || two[0]!.person !== two[1]!.person).toBe(true);
  });

  it('off (collage 2): one face of each such photo stays out of his person, as before the rule', () => {
    const svc = new PeopleService(store.db, { overrides: { collage: 2 } });
    svc.recluster();
    const salley = personOf(svc, 'John_Salley'), savage = personOf(svc, 'John_Savage');
    expect(facesOf(svc, 'salley-mirror.jpg').filter((f) => f.person === salley)).toHaveLength(1);
    expect(facesOf(svc, 'savage-strip.jpg').filter((f) => f.person === savage)).toHaveLength(1);
  });
});
