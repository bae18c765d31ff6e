/**
 * The persisted work queue. A scan (table `scans`) enqueues one job per file its walk finds; a job
 * leaves 'pending' in the same transaction that writes its result, so a killed process resumes
 * exactly where it stopped. Jobs are deleted when their scan finishes.
 */
import type Database from 'better-sqlite3';
import type { JobRow, JobState } from './types';

export interface NewJob {
  path: string;
  size: number;
  mtime_ms: number;
}

export class JobsRepo {
  private readonly sEnqueue;
  private readonly sNext;
  private readonly sSetState;
  private readonly sCount;
  private readonly sCountAll;
  private readonly sSeen;
  private readonly sClear;
  private readonly sAttempt;
  private readonly sUnattempt;
  private readonly sEnqueueFailed;

  constructor(private readonly db: Database.Database) {
    // A file found again by a re-walk keeps its state, unless it changed meanwhile.
    this.sEnqueue = db.prepare(
      `INSERT INTO jobs (scan_id, path, size, mtime_ms, state) VALUES (@scan_id, @path, @size, @mtime_ms, 'pending')
       ON CONFLICT(scan_id, path) DO UPDATE SET size=excluded.size, mtime_ms=excluded.mtime_ms, state='pending'
       WHERE jobs.size != excluded.size OR jobs.mtime_ms != excluded.mtime_ms`,
    );
    this.sNext = db.prepare<[number, number, number], JobRow>(
      `SELECT * FROM jobs WHERE scan_id = ? AND state = 'pending' AND id > ? ORDER BY id LIMIT ?`,
    );
    this.sEnqueueFailed = db.prepare(
      `INSERT INTO jobs (scan_id, path, size, mtime_ms, state) VALUES (?, ?, 0, 0, 'failed')
       ON CONFLICT(scan_id, path) DO UPDATE SET state='failed'`,
    );
    this.sSetState = db.prepare('UPDATE jobs SET state = ? WHERE id = ?');
    this.sAttempt = db.prepare('UPDATE jobs SET attempts = attempts + 1 WHERE id = ?');
    this.sUnattempt = db.prepare('UPDATE jobs SET attempts = max(0, attempts - 1) WHERE id = ?');
    this.sCount = db.prepare<[number, string], { n: number }>('SELECT count(*) AS n FROM jobs WHERE scan_id = ? AND state = ?');
    this.sCountAll = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM jobs WHERE scan_id = ?');
    this.sSeen = db.prepare<[number, string], { one: number }>('SELECT 1 AS one FROM jobs WHERE scan_id = ? AND path = ?');
    this.sClear = db.prepare('DELETE FROM jobs WHERE scan_id = ?');
  }

  /** Enqueue many files in one transaction. */
  enqueueMany(scanId: number, jobs: NewJob[]): void {
    this.db.transaction(() => {
      for (const j of jobs) this.sEnqueue.run({ scan_id: scanId, ...j });
    })();
  }

  /** A path the walk found but cannot index (dangling link, loop, unreadable folder): seen, failed. */
  enqueueFailed(scanId: number, path: string): void {
    this.sEnqueueFailed.run(scanId, path);
  }

  /** Pending jobs after `afterId`, in order. */
  nextPending(scanId: number, afterId: number, limit: number): JobRow[] {
    return this.sNext.all(scanId, afterId, limit);
  }

  setState(id: number, state: JobState): void {
    this.sSetState.run(state, id);
  }

  /** Counts a try before the work starts: a job that kills the process every time can be given up on. */
  attempt(id: number): void {
    this.sAttempt.run(id);
  }

  /** Takes back a try that a machine fault (full disk, offline folder) ended, not the file. */
  unattempt(id: number): void {
    this.sUnattempt.run(id);
  }

  count(scanId: number, state?: JobState): number {
    return state ? this.sCount.get(scanId, state)!.n : this.sCountAll.get(scanId)!.n;
  }

  /** Was this path found by the scan's walk? */
  seen(scanId: number, path: string): boolean {
    return this.sSeen.get(scanId, path) !== undefined;
  }

  clear(scanId: number): void {
    this.sClear.run(scanId);
  }
}
