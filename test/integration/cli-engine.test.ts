import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLfwPairs } from '../../app/eval/lfw-dataset';
import { DEFAULT_EMBEDDER } from '../../app/faces/models/registry';
import { runCli } from '../helpers/cli';
import { GROUP, LFW } from '../helpers/paths';

describe('visage CLI (engine commands)', () => {
  it('detect --json prints faces with box, 68 landmarks, score and quality', () => {
    const r = runCli(['detect', join(GROUP, 'dlib__2008_001322.jpg'), '--json', '--provider', 'cpu', '--embeddings']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.lastJson();
    expect(out.results).toHaveLength(1);
    const faces = out.results[0].faces;
    expect(faces).toHaveLength(3);
    for (const f of faces) {
      expect(Object.keys(f.box).sort()).toEqual(['height', 'width', 'x', 'y']);
      expect(f.landmarks).toHaveLength(68);
      expect(f.score).toBeGreaterThan(0.7);
      expect(Buffer.from(f.embedding, 'base64')).toHaveLength(128);
      expect(f.quality).toHaveProperty('sharpness');
    }
  });

  it('reports unreadable images per file and exits non-zero, without crashing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'visage-cli-'));
    writeFileSync(join(dir, 'bad.jpg'), 'garbage');
    const r = runCli(['detect', join(dir, 'bad.jpg'), join(GROUP, 'dlib__2008_001009.jpg'), '--json', '--provider', 'cpu']);
    expect(r.code).toBe(1);
    const out = r.lastJson();
    expect(out.results[0].error.code).toMatch(/unsupported|decode-failed/);
    expect(out.results[1].faces.length).toBe(2);
  });

  it('gives usage errors (exit 2) for unknown commands, flags, models and paths', () => {
    expect(runCli(['frobnicate']).code).toBe(2);
    const flag = runCli(['detect', join(GROUP, 'dlib__2008_001009.jpg'), '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown flag --bogus/);
    expect(runCli(['detect', '/no/such/file.jpg']).code).toBe(2);
    expect(runCli(['detect', join(GROUP, 'dlib__2008_001009.jpg'), '--model', 'nope']).stderr).toMatch(/unknown model/);
    expect(runCli(['eval-lfw', '--data', '/nowhere']).code).toBe(2);
    expect(runCli(['eval-lfw']).stderr).toMatch(/--data/);
  });

  it('eval-lfw runs the standard protocol on an LFW-format sample and reports accuracy and cost', () => {
    // A small LFW-format folder: the first 40 matched and 40 mismatched pairs of sets 1 and 2.
    const dir = mkdtempSync(join(tmpdir(), 'visage-lfw-'));
    const pairs = loadLfwPairs(LFW, 2);
    const pick = [1, 2].flatMap((s) => [
      ...pairs.filter((p) => p.set === s && p.same).slice(0, 40),
      ...pairs.filter((p) => p.set === s && !p.same).slice(0, 40),
    ]);
    const rel = (f: string) => f.slice(join(LFW, 'images').length + 1).split('/');
    const names = (p: (typeof pick)[number]) => [rel(p.a), rel(p.b)];
    let text = '2\n';
    for (const s of [1, 2]) {
      text += '40\t40\n';
      for (const p of pick.filter((q) => q.set === s)) {
        const [[na, fa], [nb, fb]] = names(p) as [[string, string], [string, string]];
        const ia = Number(fa.slice(-8, -4)), ib = Number(fb.slice(-8, -4));
        text += p.same ? `${na}\t${ia}\t${ib}\n` : `${na}\t${ia}\t${nb}\t${ib}\n`;
      }
    }
    writeFileSync(join(dir, 'pairs.txt'), text);
    writeFileSync(join(dir, 'people.txt'), '1\n0\n');
    mkdirSync(join(dir, 'images'));
    for (const n of new Set(pick.flatMap((p) => names(p).map((x) => x[0]!)))) {
      symlinkSync(join(LFW, 'images', n), join(dir, 'images', n));
    }
    const r = runCli(['eval-lfw', '--data', dir, '--json', '--provider', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.lastJson();
    expect(out.pairs).toBe(160);
    expect(out.bytesPerFace).toBe(128);
    expect(out.model).toBe(DEFAULT_EMBEDDER);
    expect(out.provider).toBe('cpu');
    expect(out.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(out.auc).toBeGreaterThan(0.98);
    expect(out.perSet).toHaveLength(2);
    for (const k of ['std', 'seconds', 'msPerImage', 'msPerFace']) expect(typeof out[k]).toBe('number');
  });
});
