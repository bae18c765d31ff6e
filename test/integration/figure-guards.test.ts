/**
 * Guards on the headline figures, on small fixed subsets with tight bounds (the full figures stay
 * in the benchmarks: npm run eval:lfw, eval:detect, eval-clusters). Each bound sits just below what
 * today's pipeline measured (recorded next to it, with the command); a change that costs a pair, a
 * box or a face fails here. How each was shown to fail: the bounds were set above the measured
 * value (GUARD_TIGHTEN=1 below adds a step above each measured figure) and the file run: every
 * bound failed (soft assertions: each one is reported), then passed again as written.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { DEFAULT_EMBEDDER } from '../../app/faces/models/registry';
import { DATASETS, LFW, PEOPLE } from '../helpers/paths';

/** For the check that each guard can fail: raise every bound above the figure it was set from. */
const TIGHTEN = process.env.GUARD_TIGHTEN === '1';
const above = (bound: number, measured: number, step: number) => (TIGHTEN ? measured + step : bound);

const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

/**
 * LFW View 2 set 1 (fold 1: 300 matched + 300 mismatched pairs, 807 images) as an LFW folder of
 * ten sub-sets of 30 + 30 pairs, so that eval-lfw's protocol (each sub-set's threshold chosen on
 * the other nine) runs inside fold 1 alone.
 */
function fold1Folder(): string {
  const lines = readFileSync(join(LFW, 'pairs.txt'), 'utf8').split('\n');
  const [matched, mismatched] = lines[1]!.split('\t').map(Number) as [number, number];
  expect([matched, mismatched]).toEqual([300, 300]);
  const same = lines.slice(2, 2 + matched);
  const diff = lines.slice(2 + matched, 2 + matched + mismatched);
  let text = '10\n';
  for (let s = 0; s < 10; s++) text += `30\t30\n${[...same.slice(s * 30, s * 30 + 30), ...diff.slice(s * 30, s * 30 + 30)].join('\n')}\n`;
  const dir = mkdtempSync(join(tmpdir(), 'visage-lfw-fold1-'));
  tmp.push(dir);
  writeFileSync(join(dir, 'pairs.txt'), text);
  writeFileSync(join(dir, 'people.txt'), '1\n0\n');
  symlinkSync(join(LFW, 'images'), join(dir, 'images'));
  return dir;
}

/** `visage eval-clusters --data DIR --json` (the default model, a fresh library): its JSON line, the run checked to succeed. */
function evalClusters(dir: string, timeout?: number) {
  const r = runCli(['eval-clusters', '--data', dir, '--json'], { timeout });
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
  return r.lastJson();
}

describe('figure guards', () => {
  it('LFW fold 1 (600 pairs): accuracy >= 0.983, AUC >= 0.999', () => {
    // Measured (mobilefacenet-192, the default, cpu): accuracy 0.98667 (592 of 600; sub-sets 0.95,
    // 1, 1, 0.9833, 1, 0.9667, 1, 1, 0.9833, 0.9833), AUC 0.9999, no fallback box, with
    //   node bin/visage.js eval-lfw --data <this folder> --json --provider cpu --threads 2
    // 0.983 = 590 of 600: two more wrong pairs fail. (dlib-resnet-v1 on the same folder: 0.99167,
    // AUC 0.99969; over sets 1-5 MobileFaceNet is 99.30 % and dlib 99.20 %: docs/models.md.)
    const r = runCli(['eval-lfw', '--data', fold1Folder(), '--json', '--provider', 'cpu', '--threads', '2'], { timeout: 590_000 });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const out = r.lastJson();
    expect(out.pairs).toBe(600);
    expect(out.images).toBe(807);
    expect(out.model).toBe(DEFAULT_EMBEDDER);
    expect(out.fallbackImages).toBe(0);
    expect.soft(out.accuracy).toBeGreaterThanOrEqual(above(0.983, 0.98667, 0.005));
    expect.soft(out.auc).toBeGreaterThanOrEqual(above(0.999, 0.9999, 0.0002));
  }, 600_000);

  it('detection on the annotated group photos: recall 1.0, precision >= 0.97, face counts exact', () => {
    // Measured (rfb320 with tiles, cpu): 43 of 43 dlib boxes found, 44 detections (one extra in
    // dlib__2008_007676.jpg): recall 1, precision 0.9773; count error 0 and every nose inside a
    // box on the 9 CompreFace-counted photos present, with
    //   node bin/visage.js eval-detect --data ../shared/datasets/group-photos --json --provider cpu
    // 0.97: one more false detection (43 / 45 = 0.956) fails.
    const r = runCli(['eval-detect', '--data', join(DATASETS, 'group-photos'), '--json', '--provider', 'cpu']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const out = r.lastJson();
    // What the figures are over: 9 box-annotated photos, 9 count-annotated ones; the 9 annotated
    // photos that are not in the folder are named, not silently skipped.
    expect({ boxImages: out.boxImages, boxes: out.boxes, countImages: out.countImages, missing: out.missing.length }).toEqual({ boxImages: 9, boxes: 43, countImages: 9, missing: 9 });
    expect.soft(out.recall).toBeGreaterThanOrEqual(above(1, 1, 0.01));
    expect.soft(out.precision).toBeGreaterThanOrEqual(above(0.97, 0.9773, 0.01));
    expect.soft(out.countError).toBeLessThanOrEqual(TIGHTEN ? -0.01 : 0);
    expect(out.noseRecall).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it('people on faceapi-bbt: BCubed F1 >= 0.97 with the photo where no face is found counted as an error', () => {
    // Measured (mobilefacenet-192): BCubed F1 0.9796 (precision 1, recall 0.96), 8 people for 8
    // identities, 40 images scored of which leonard5.png has no face found (unassigned), 2
    // bystander faces (both unassigned), with
    //   node bin/visage.js eval-clusters --data ../shared/datasets/people/faceapi-bbt --json
    // 0.97: one more face left out fails (recall 0.94, F1 ~0.969).
    const out = evalClusters(join(PEOPLE, 'faceapi-bbt'));
    expect(out.labelledFaces).toBe(40);
    expect(out.missed.count).toBeLessThanOrEqual(1);
    expect.soft(out.bcubedPrecision).toBeGreaterThanOrEqual(above(1, 1, 0.01));
    expect.soft(out.bcubedF1).toBeGreaterThanOrEqual(above(0.97, 0.9796, 0.01));
    expect(out.bystanders.inSubjectPeople).toBe(0);
  }, 300_000);

  it('people on dlib-johns: BCubed F1 >= 0.99', () => {
    // Measured (mobilefacenet-192): BCubed F1 1 (5 people for 5 identities, all 55 images with a face, 7 bystander
    // faces all unassigned), with
    //   node bin/visage.js eval-clusters --data ../shared/datasets/people/dlib-johns --json
    // 0.99: a single face of the 55 misplaced or left out fails.
    const out = evalClusters(join(PEOPLE, 'dlib-johns'));
    for (const k of ['bcubedPrecision', 'bcubedRecall', 'bcubedF1', 'pairwiseF1', 'identities', 'people', 'faces', 'unassigned', 'model', 'seconds']) expect(out, k).toHaveProperty(k);
    expect(out.model).toBe(DEFAULT_EMBEDDER);
    expect(out.identities).toBe(5);
    expect(out.labelledFaces).toBe(55);
    expect(out.missed.count).toBe(0);
    expect.soft(out.bcubedF1).toBeGreaterThanOrEqual(above(0.99, 1, 0.01));
    expect(out.bystanders.inSubjectPeople).toBe(0);
  }, 300_000);

  it('people on vn-celebs (library-like: 6 people, 136 web photos): BCubed F1 >= 0.99 at precision 1', () => {
    // Measured (mobilefacenet-192): BCubed P / R / F1 1 / 1 / 1, 6 people for 6 identities, 32
    // bystander faces all unassigned, with
    //   node bin/visage.js eval-clusters --data ../shared/datasets/people-wild/vn-celebs --json
    // Without the seed-quality leftovers and the small-person merge (`--leftover-seed 1
    // --small-merge 1`): F1 0.964, which fails the bound.
    const out = evalClusters(join(DATASETS, 'people-wild', 'vn-celebs'), 590_000);
    expect(out.model).toBe(DEFAULT_EMBEDDER);
    expect(out.identities).toBe(6);
    expect(out.labelledFaces).toBe(136);
    expect(out.missed.count).toBe(0);
    expect.soft(out.bcubedPrecision).toBeGreaterThanOrEqual(above(1, 1, 0.01));
    expect.soft(out.bcubedF1).toBeGreaterThanOrEqual(above(0.99, 1, 0.01));
    expect(out.bystanders.inSubjectPeople).toBe(0);
  }, 600_000);
});
