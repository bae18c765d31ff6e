/**
 * A library scanned before the close-up rule (app/faces/nested.ts) holds parts of faces as faces,
 * sometimes in a person in place of the whole face (faces of one photo never share a person).
 * Opening it with this Visage migrates it (v10): the part goes, the library is backed up first,
 * and the engine re-groups on opening, so the whole face is back in its person, whose name stays.
 * Real photos (dlib-johns), real models, a real SQLite file, the real engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { PersonSummary } from '../../app/contract/contract';
import { listBackups } from '../../app/store/backup';
import { regroupPending } from '../../app/store/settings';
import { Store } from '../../app/store/store';
import { engineWithoutAnalyzer } from '../helpers/engine-host';
import { scanJohnsAndName } from '../helpers/johns-library';

const dir = mkdtempSync(join(tmpdir(), 'visage-nested-upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An id no correction's payload can hold by chance (the migration keeps faces the history may name). */
const PART_ID = 900_000;

describe('a library scanned before the close-up rule', () => {
  it('loses the part that took a whole face\'s place in a named person on upgrade; the engine re-groups and the whole face is back', async () => {
    const db = join(dir, 'visage.db');
    const store = Store.open(db);
    let whole: number, kept: number;
    try {
      const { svc, personId } = await scanJohnsAndName(store, dir);
      kept = personId;
      whole = svc.personFaces(personId)[0]!.id;
    } finally {
      store.close();
    }
    // What the detector before the rule left: a part inside the whole face (its nose: a box in the
    // middle, scoring a little lower, looking like its owner), in the person in its place; the
    // library at the schema that detector wrote.
    const raw = new Database(db);
    const f = raw.prepare('SELECT * FROM faces WHERE id = ?').get(whole) as Record<string, unknown> & { x: number; y: number; w: number; h: number; score: number };
    raw
      .prepare(
        `INSERT INTO faces (id, photo_id, x, y, w, h, score, landmarks, embedding, model_id, q_size, q_sharpness, q_yaw, q_pitch, q_roll, q_score, base_embedding, head_id)
         SELECT ?, photo_id, ?, ?, ?, ?, ?, landmarks, embedding, model_id, q_size, q_sharpness, q_yaw, q_pitch, q_roll, q_score, base_embedding, head_id FROM faces WHERE id = ?`,
      )
      .run(PART_ID, f.x + 0.3 * f.w, f.y + 0.35 * f.h, 0.4 * f.w, 0.35 * f.h, f.score - 0.01, whole);
    raw.prepare('UPDATE face_assignments SET face_id = ? WHERE face_id = ?').run(PART_ID, whole);
    // v9's schema: without what later versions added (v11: photos.detector_rev).
    raw.exec('ALTER TABLE photos DROP COLUMN detector_rev');
    raw.pragma('user_version = 9');
    raw.close();

    const engine = engineWithoutAnalyzer(db);
    try {
      expect(await engine.host.openClusterSettled()).toBe(true);
      const people = (await engine.call('people.list')) as PersonSummary[];
      const person = people.find((p) => p.name === 'Kept')!;
      expect(person.id).toBe(kept);
      const faces = ((await engine.call('people.faces', { id: person.id })) as { id: number }[]).map((x) => x.id);
      expect(faces).toContain(whole);
      expect(faces).not.toContain(PART_ID);
    } finally {
      await engine.close();
    }
    const after = Store.open(db);
    try {
      expect(after.db.prepare('SELECT COUNT(*) AS n FROM faces WHERE id = ?').get(PART_ID)).toEqual({ n: 0 });
      expect(regroupPending(after.db)).toBe(false);
    } finally {
      after.close();
    }
    // The library as it was is kept aside: a backup at v9 holding the part.
    const backups = listBackups(db);
    expect(backups.map((b) => b.version)).toContain(9);
    const old = new Database(backups.find((b) => b.version === 9)!.file, { readonly: true });
    expect(old.prepare('SELECT COUNT(*) AS n FROM faces WHERE id = ?').get(PART_ID)).toEqual({ n: 1 });
    old.close();
  }, 300_000);
});
