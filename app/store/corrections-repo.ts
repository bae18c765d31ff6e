/**
 * The corrections log: append-only, one row per user correction with what undoing it needs (JSON
 * payload, written by app/people/undo.ts). `undone`: 0 = in effect, 1 = undone (can be redone),
 * 2 = undone and out of the redo chain for good.
 */
import type Database from 'better-sqlite3';
import type { CorrectionRow } from './types';

export class CorrectionsRepo {
  constructor(private readonly db: Database.Database) {}

  /** Appends an entry; returns its id. */
  append(kind: string, payload: string, at: string = new Date().toISOString()): number {
    return Number(this.db.prepare('INSERT INTO corrections (at, kind, payload) VALUES (?, ?, ?)').run(at, kind, payload).lastInsertRowid);
  }

  /** A new correction ends the redo chain: entries undone before `id` can no longer be redone. */
  endRedoChain(id: number): void {
    this.db.prepare('UPDATE corrections SET undone = 2 WHERE undone = 1 AND id < ?').run(id);
  }

  /** The newest entry in effect (the next to undo). */
  lastInEffect(): CorrectionRow | undefined {
    return this.db.prepare<[], CorrectionRow>('SELECT * FROM corrections WHERE undone = 0 ORDER BY id DESC LIMIT 1').get();
  }

  /** The oldest entry that can be redone (the next to redo). */
  firstRedoable(): CorrectionRow | undefined {
    return this.db.prepare<[], CorrectionRow>('SELECT * FROM corrections WHERE undone = 1 ORDER BY id ASC LIMIT 1').get();
  }

  /** Undone; `payload`: what a redo must put back, as it was when undone (else the payload stays). */
  markUndone(id: number, payload?: string): void {
    if (payload === undefined) this.db.prepare('UPDATE corrections SET undone = 1 WHERE id = ?').run(id);
    else this.db.prepare('UPDATE corrections SET undone = 1, payload = ? WHERE id = ?').run(payload, id);
  }

  /** Back in effect, with the payload of the redo (what undoing it again needs). */
  markRedone(id: number, payload: string): void {
    this.db.prepare('UPDATE corrections SET undone = 0, payload = ? WHERE id = ?').run(payload, id);
  }

  /** The next entry to redo can never be redone: out of the redo chain. */
  dropFirstRedoable(): void {
    this.db.prepare('UPDATE corrections SET undone = 2 WHERE id = (SELECT id FROM corrections WHERE undone = 1 ORDER BY id ASC LIMIT 1)').run();
  }

  /** The newest `limit` entries, newest first. */
  recent(limit: number): CorrectionRow[] {
    return this.db.prepare<[number], CorrectionRow>('SELECT * FROM corrections ORDER BY id DESC LIMIT ?').all(limit);
  }

  /** Every entry, oldest first. */
  all(): CorrectionRow[] {
    return this.db.prepare<[], CorrectionRow>('SELECT * FROM corrections ORDER BY id').all();
  }
}
