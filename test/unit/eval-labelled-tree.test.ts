import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { labelledFaces, MIN_ANCHORS, subjectFace } from '../../app/eval/labelled-tree';
import { Store } from '../../app/store/store';

const box = (id: number, x: number, y: number, w: number, h = w) => ({ id, x, y, w, h });

describe('subjectFace (the labelled face of an identity-tree image)', () => {
  it('prefers the face covering the image centre over a larger bystander (LFW crops)', () => {
    // Adrien_Brody_0004.jpg-like: a bystander's box (95 px) at the right, the subject (92 px) centred.
    const faces = [box(1, 131, 73, 95), box(2, 71, 64, 92)];
    expect(subjectFace(faces, 250, 250)?.id).toBe(2);
  });

  it('takes the largest of the faces covering the centre', () => {
    expect(subjectFace([box(1, 100, 100, 40), box(2, 80, 80, 90), box(3, 0, 0, 200, 60)], 250, 250)?.id).toBe(2);
  });

  it('falls back to the largest face when none covers the centre, and to null without faces', () => {
    expect(subjectFace([box(1, 0, 0, 50), box(2, 300, 10, 80)], 640, 480)?.id).toBe(2);
    expect(subjectFace([], 640, 480)).toBeNull();
  });
});

describe('labelledFaces: the subject of a many-face image is the face most like the identity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'visage-labelled-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Unit-ish int8 vectors: `a` along axis 0, `b` along axis 1 (cosine 0 between them). */
  const along = (axis: number) => Buffer.from(Int8Array.from({ length: 128 }, (_, i) => (i === axis ? 100 : i % 7 === axis ? 5 : 0)).buffer);

  function library(anchors: number): string {
    const file = join(dir, `t${anchors}.db`);
    const store = Store.open(file);
    const photo = store.db.prepare("INSERT INTO photos (id, path, hash, size, mtime_ms, width, height, indexed_at) VALUES (?, ?, ?, 1, 1, 640, 480, '2024-01-01')");
    const face = store.db.prepare("INSERT INTO faces (id, photo_id, x, y, w, h, score, landmarks, embedding, model_id, q_score) VALUES (?, ?, ?, 140, ?, ?, 0.9, '[]', ?, 'mobilefacenet-192', 0.9)");
    let id = 1;
    // `anchors` one-face photos of Anna (axis 0), then a match photo where a team mate (axis 1)
    // covers the centre and is the larger face, Anna small at the left.
    for (let i = 0; i < anchors; i++) {
      photo.run(id, `/tree/anna/a${i}.jpg`, `h${id}`);
      face.run(id, id, 200, 100, 100, along(0));
      id++;
    }
    photo.run(100, '/tree/anna/match.jpg', 'h100');
    face.run(200, 100, 250, 200, 200, along(1)); // the team mate: centre, largest
    face.run(201, 100, 10, 60, 60, along(0)); // Anna
    store.close();
    return file;
  }

  const subjectOfMatch = (file: string) => {
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      return labelledFaces(db, '/tree').find((f) => f.faceId === 200 || f.faceId === 201)?.faceId;
    } finally {
      db.close();
    }
  };

  it(`with ${MIN_ANCHORS} one-face photos of the identity: the face like them, not the central one`, () => {
    expect(subjectOfMatch(library(MIN_ANCHORS))).toBe(201);
  });

  it('with fewer: the central, largest face (as for LFW crops)', () => {
    expect(subjectOfMatch(library(MIN_ANCHORS - 1))).toBe(200);
  });
});
