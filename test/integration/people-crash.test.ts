/** No correction is lost across a kill -9: the log and the state always agree. */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPipelineAnalyzer } from '../../app/library/pipeline-analyzer';
import { Scanner } from '../../app/library/scanner';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import { PEOPLE, ROOT } from '../helpers/paths';

describe('corrections survive kill -9', () => {
  it('every committed correction is in the log and in the state after the process is killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'visage-crash-'));
    const lib = join(dir, 'lib');
    const src = join(PEOPLE, 'dlib-johns');
    for (const id of readdirSync(src).filter((d) => !d.includes('.')).slice(0, 2)) {
      mkdirSync(join(lib, id), { recursive: true });
      for (const f of readdirSync(join(src, id)).sort().slice(0, 4)) symlinkSync(join(src, id, f), join(lib, id, f));
    }
    const file = join(dir, 'lib.db');
    const store = Store.open(file);
    const analyzer = await createPipelineAnalyzer({ threads: 1, provider: 'cpu' });
    await new Scanner({ store, analyzer, thumbnails: null }).scan([lib]);
    await analyzer.close?.();
    new PeopleService(store.db).update();
    store.close();

    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [join(ROOT, 'test/helpers/correction-loop.js'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
      const committed: number[] = [];
      await new Promise<void>((resolve) => {
        let buf = '';
        const target = 30 + Math.floor(Math.random() * 60);
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          for (const l of lines) committed.push(Number(l.split(' ')[1]));
          if (committed.length >= target && !child.killed) child.kill('SIGKILL');
        });
        child.on('exit', () => resolve());
      });
      expect(committed.length).toBeGreaterThanOrEqual(30);

      const after = Store.open(file);
      expect(after.db.pragma('integrity_check', { simple: true })).toBe('ok');
      const log = after.db.prepare('SELECT id, kind, payload FROM corrections WHERE undone = 0 ORDER BY id').all() as { id: number; kind: string; payload: string }[];
      const ids = new Set(log.map((r) => r.id));
      for (const c of committed) expect(ids.has(c)).toBe(true);
      // State = replay of the log: each face sits where its last logged move put it, each
      // person carries the name of its last logged naming.
      const lastMove = new Map<number, number>();
      const lastName = new Map<number, string>();
      for (const r of log) {
        const c = JSON.parse(r.payload).correction;
        if (c.kind === 'move') for (const f of c.faceIds) lastMove.set(f, c.personId);
        if (c.kind === 'name') lastName.set(c.personId, c.name);
      }
      for (const [face, person] of lastMove) {
        const a = after.db.prepare('SELECT person_id, source FROM face_assignments WHERE face_id = ?').get(face) as { person_id: number; source: string };
        expect(a).toEqual({ person_id: person, source: 'user' });
      }
      for (const [person, name] of lastName) {
        expect((after.db.prepare('SELECT name FROM persons WHERE id = ?').get(person) as { name: string }).name).toBe(name);
      }
      after.close();
    }
  }, 180_000);
});
