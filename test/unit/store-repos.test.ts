/** The repository layer: constraints, cascades, the append-only log, the queue, default paths. */
import { describe, expect, it } from 'vitest';
import type { FaceRecord } from '../../app/faces/types';
import { embeddingOf } from '../../app/store/faces-repo';
import { defaultDbPath, thumbnailDirFor } from '../../app/platform/paths';
import { Store } from '../../app/store/store';
import type { NewPhoto } from '../../app/store/types';

const photo = (path: string, hash = 'h-' + path): NewPhoto => ({
  path, hash, size: 100, mtime_ms: 5, width: 10, height: 8, orientation: 1, format: 'jpeg',
  taken_at: null, camera_make: null, camera_model: null, gps_lat: null, gps_lon: null, detector_rev: 1,
});
const face = (seed: number, bytes = 128): FaceRecord => ({
  box: { x: seed, y: 2, width: 30, height: 30 },
  score: 0.99,
  landmarks: Array.from({ length: 68 }, (_, i) => [i + 0.123, i * 2] as [number, number]),
  quality: { size: 40, sharpness: 100, yaw: 1, pitch: 2, roll: 3, score: 0.8 },
  embedding: Int8Array.from({ length: bytes }, (_, i) => ((i * seed) % 256) - 128),
  modelId: 'dlib-resnet-v1',
});

describe('store repositories', () => {
  it('stores a photo and its faces; the embedding round-trips byte for byte', () => {
    const s = Store.open(':memory:');
    const id = s.transaction(() => {
      const pid = s.photos.insert(photo('/a.jpg'));
      s.faces.insert(pid, face(3));
      s.faces.insert(pid, face(5));
      return pid;
    });
    const rows = s.faces.byPhoto(id);
    expect(rows.length).toBe(2);
    expect(Array.from(embeddingOf(rows[1]!))).toEqual(Array.from(face(5).embedding));
    expect(JSON.parse(rows[0]!.landmarks)[0]).toEqual([0.12, 0]);
    expect(rows[0]).toMatchObject({ q_size: 40, q_score: 0.8, model_id: 'dlib-resnet-v1', w: 30 });
    expect(s.faces.all()[0]!.path).toBe('/a.jpg');
    s.close();
  });

  it("a copied photo's faces keep their base embedding and head (a learned head's vector is not taken for the base)", () => {
    const s = Store.open(':memory:');
    const [from, to] = s.transaction(() => {
      const a = s.photos.insert(photo('/a.jpg', 'same'));
      s.faces.insert(a, face(3));
      return [a, s.photos.insert(photo('/copy/a.jpg', 'same'))];
    });
    // As after adopting a head: embedding = head(base), base kept, head recorded.
    const base = Buffer.from(face(3).embedding.buffer);
    const projected = Buffer.from(face(7).embedding.buffer);
    s.db.prepare('UPDATE faces SET base_embedding = ?, embedding = ?, head_id = ? WHERE photo_id = ?').run(base, projected, 'm/head-1', from);
    expect(s.faces.copyAll(from, to)).toBe(1);
    const copy = s.db.prepare<[number], { embedding: Buffer; base_embedding: Buffer; head_id: string }>('SELECT embedding, base_embedding, head_id FROM faces WHERE photo_id = ?').get(to)!;
    expect(copy.base_embedding.equals(base)).toBe(true);
    expect(copy.embedding.equals(projected)).toBe(true);
    expect(copy.head_id).toBe('m/head-1');
    s.close();
  });

  it('rejects an embedding that is not 128 bytes, and rolls the photo back with it', () => {
    const s = Store.open(':memory:');
    expect(() =>
      s.transaction(() => {
        const pid = s.photos.insert(photo('/b.jpg'));
        s.faces.insert(pid, face(1, 127));
      }),
    ).toThrow(/128 bytes/);
    expect(s.photos.count()).toBe(0);
    expect(() => s.db.prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id) VALUES (1,0,0,1,1,1,'[]',x'00','m')").run()).toThrow();
    s.close();
  });

  it('deleting a photo cascades to faces and assignments; corrections are append-only', () => {
    const s = Store.open(':memory:');
    const pid = s.photos.insert(photo('/c.jpg'));
    const fid = s.faces.insert(pid, face(2));
    const person = s.people.addPerson('Ann', fid);
    s.people.assign(fid, person, 'user', true);
    s.people.logCorrection('assign', { faceId: fid, personId: person });
    s.photos.delete(pid);
    expect(s.faces.count()).toBe(0);
    expect(s.people.assignmentOf(fid)).toBeUndefined();
    expect(s.people.persons()[0]!.cover_face_id).toBeNull();
    expect(s.people.corrections().length).toBe(1);
    expect(() => s.db.prepare('DELETE FROM corrections').run()).toThrow(/append-only/);
    expect(() => s.photos.insert(photo('/d.jpg')) && s.photos.insert(photo('/d.jpg'))).toThrow(/UNIQUE/);
    s.close();
  });

  it('moves keep the row; lookups by hash and folder', () => {
    const s = Store.open(':memory:');
    const a = s.photos.insert(photo('/lib/x/a.jpg', 'same'));
    s.photos.insert(photo('/lib/xy/b.jpg', 'other'));
    s.photos.insert(photo('/lib/x', 'file-named-like-root'));
    s.photos.move(a, '/lib/x/sub/a2.jpg', 7, 8);
    expect(s.photos.byId(a)).toMatchObject({ path: '/lib/x/sub/a2.jpg', size: 7, mtime_ms: 8, hash: 'same' });
    expect(s.photos.byHash('same').map((p) => p.id)).toEqual([a]);
    expect(s.photos.under('/lib/x', '/').map((p) => p.path)).toEqual(['/lib/x', '/lib/x/sub/a2.jpg']);
    s.close();
  });

  it('the job queue keeps done jobs done on a re-walk unless the file changed', () => {
    const s = Store.open(':memory:');
    const { scan } = s.scans.openOrResume(['/lib']);
    s.jobs.enqueueMany(scan.id, [
      { path: '/lib/a.jpg', size: 1, mtime_ms: 1 },
      { path: '/lib/b.jpg', size: 2, mtime_ms: 2 },
    ]);
    const [a, b] = s.jobs.nextPending(scan.id, 0, 10);
    s.jobs.setState(a!.id, 'done');
    s.jobs.setState(b!.id, 'done');
    s.jobs.enqueueMany(scan.id, [
      { path: '/lib/a.jpg', size: 1, mtime_ms: 1 },
      { path: '/lib/b.jpg', size: 2, mtime_ms: 3 },
    ]);
    expect(s.jobs.nextPending(scan.id, 0, 10).map((j) => j.path)).toEqual(['/lib/b.jpg']);
    expect(s.jobs.seen(scan.id, '/lib/a.jpg')).toBe(true);
    expect(s.jobs.seen(scan.id, '/lib/c.jpg')).toBe(false);
    expect(s.scans.openOrResume(['/lib'])).toMatchObject({ resumed: true, scan: { id: scan.id } });
    s.scans.finish(scan.id);
    expect(s.scans.openOrResume(['/lib']).resumed).toBe(false);
    s.close();
  });

  it('defaults to the OS user-data folder', () => {
    expect(defaultDbPath({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.local/share/Visage/visage.db');
    expect(defaultDbPath({ HOME: '/home/u', XDG_DATA_HOME: '/x' }, 'linux')).toBe('/x/Visage/visage.db');
    expect(defaultDbPath({ HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Application Support/Visage/visage.db');
    expect(defaultDbPath({ HOME: 'C:/Users/u', APPDATA: 'C:/Users/u/AppData/Roaming' }, 'win32')).toMatch(/AppData[\\/]Roaming[\\/]Visage[\\/]visage\.db$/);
    expect(defaultDbPath({ HOME: '/h', VISAGE_DATA_DIR: '/data' }, 'linux')).toBe('/data/visage.db');
    expect(thumbnailDirFor('/data/visage.db')).toBe('/data/visage.thumbs');
  });
});
