/** Scans: one row per `scan` run over a set of roots; an unfinished one is resumed by the next run. */
import type Database from 'better-sqlite3';
import type { ScanRow } from './types';

export class ScansRepo {
  private readonly sOpen;
  private readonly sInsert;
  private readonly sWalkDone;
  private readonly sFinish;
  private readonly sById;

  constructor(private readonly db: Database.Database) {
    this.sOpen = db.prepare<[string], ScanRow>('SELECT * FROM scans WHERE roots = ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1');
    this.sInsert = db.prepare('INSERT INTO scans (roots, started_at) VALUES (?, ?)');
    this.sWalkDone = db.prepare('UPDATE scans SET walk_done = 1 WHERE id = ?');
    this.sFinish = db.prepare('UPDATE scans SET finished_at = ? WHERE id = ?');
    this.sById = db.prepare<[number], ScanRow>('SELECT * FROM scans WHERE id = ?');
  }

  /** The unfinished scan over exactly these roots, or a new one. */
  openOrResume(roots: string[]): { scan: ScanRow; resumed: boolean } {
    const key = JSON.stringify([...roots].sort());
    const open = this.sOpen.get(key);
    if (open) return { scan: open, resumed: true };
    const id = Number(this.sInsert.run(key, new Date().toISOString()).lastInsertRowid);
    return { scan: this.sById.get(id)!, resumed: false };
  }

  markWalkDone(id: number): void {
    this.sWalkDone.run(id);
  }

  finish(id: number): void {
    this.sFinish.run(new Date().toISOString(), id);
  }

  byId(id: number): ScanRow | undefined {
    return this.sById.get(id);
  }

  /** The roots (JSON text, as stored) of every scan, oldest first. */
  allRoots(): string[] {
    return this.db.prepare<[], { roots: string }>('SELECT roots FROM scans ORDER BY id').all().map((r) => r.roots);
  }

  /** Scans that have not finished (interrupted or stopped by a fault), oldest first. */
  unfinished(): ScanRow[] {
    return this.db.prepare<[], ScanRow>('SELECT * FROM scans WHERE finished_at IS NULL ORDER BY id').all();
  }

  /** When the last finished scan ended (ISO time), or null. */
  lastFinishedAt(): string | null {
    return this.db.prepare<[], { finished_at: string }>('SELECT finished_at FROM scans WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1').get()?.finished_at ?? null;
  }
}
