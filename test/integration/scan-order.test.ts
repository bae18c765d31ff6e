/**
 * New photos and faces are written in job (walk) order whichever worker finishes first, so the
 * same folders give the same ids on every scan. A real analyzer, with the first photos made slow,
 * so that later ones finish first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analyzer } from '../../app/library/analyzer';
import { createPipelineAnalyzer } from '../../app/library/pipeline-analyzer';
import { InOrder } from '../../app/library/in-order';
import { Scanner } from '../../app/library/scanner';
import { Store } from '../../app/store/store';
import { johnImages, makeLibrary, tempDir } from './scan-helpers';

describe('InOrder', () => {
  it('gives turn k once every number below k is done, in any order of completion', async () => {
    const order = new InOrder();
    const got: number[] = [];
    const waits = [3, 1, 2].map((k) => order.turn(k).then(() => got.push(k)));
    await order.turn(0);
    order.done(2);
    order.done(0);
    await Promise.resolve();
    expect(got).toEqual([1]);
    order.done(1);
    await Promise.all(waits);
    expect(got).toEqual([1, 2, 3]);
  });
});

describe('scan: ids follow the walk order', () => {
  let lib: string;
  let analyzer: Analyzer;
  const dirs: string[] = [];
  beforeAll(async () => {
    lib = makeLibrary(johnImages(8));
    analyzer = await createPipelineAnalyzer({ threads: 1, provider: 'cpu' });
  }, 120_000);
  afterAll(async () => {
    await analyzer.close?.();
    for (const d of [lib, ...dirs]) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Scans lib with 3 workers; the analysis of the first `slow` files (walk order) is held back. */
  const scan = async (slow: number) => {
    const dir = tempDir('order');
    dirs.push(dir);
    const store = Store.open(path.join(dir, 'v.db'));
    const files = fs.readdirSync(lib).sort();
    const held = new Set(files.slice(0, slow));
    const finished: string[] = [];
    const delayed: Analyzer = {
      embedderId: analyzer.embedderId,
      analyzeFile: async (file: string) => {
        if (held.has(path.basename(file))) await new Promise((r) => setTimeout(r, 400));
        const out = await analyzer.analyzeFile(file);
        finished.push(path.basename(file));
        return out;
      },
    };
    try {
      const summary = await new Scanner({ store, analyzer: delayed, thumbnails: null, concurrency: 3 }).scan([lib]);
      expect(summary.indexed).toBe(files.length);
      const photos = store.db.prepare('SELECT id, path FROM photos ORDER BY id').all() as { id: number; path: string }[];
      const faces = store.db.prepare('SELECT f.id, p.path FROM faces f JOIN photos p ON p.id = f.photo_id ORDER BY f.id').all() as { id: number; path: string }[];
      return { finished, photos: photos.map((p) => [p.id, path.basename(p.path)]), faces: faces.map((f) => [f.id, path.basename(f.path)]) };
    } finally {
      store.close();
    }
  };

  it('the same ids whichever photos finish first', async () => {
    const a = await scan(0);
    const b = await scan(2);
    // the held-back photos really finished after later ones...
    expect(b.finished.indexOf(fs.readdirSync(lib).sort()[0]!)).toBeGreaterThan(0);
    // ...and still got the first ids
    expect(b.photos).toEqual(a.photos);
    expect(b.faces).toEqual(a.faces);
    expect(b.photos.map(([, p]) => p)).toEqual(fs.readdirSync(lib).sort());
  }, 120_000);
});
