/**
 * Scanning the library folders: scan.start (a job of the JobGuard), pause, resume, cancel and
 * state; progress and failed files as events; people updated once a scan ends.
 */
import fs from 'node:fs';
import { ContractError, type FailedFile, type ScanState } from '../../contract/contract';
import type { MachineFaultInfo } from '../../contract/faults';
import { libraryFaultOf } from '../../store/faults';
import type { PeopleApi } from '../../people/api';
import type { ScanProgress } from '../../library/progress';
import { Scanner, type FileError, type ScanSummary } from '../../library/scanner';
import type { ThumbnailCache } from '../../library/thumbnails';
import type { Store } from '../../store/store';
import type { AnalyzerLoader } from '../analyzer';
import type { JobGuard, JobTicket } from '../jobs';
import type { Emit, HandlersFor } from './types';

const MAX_FAILED = 500;

export interface ScanDeps {
  dbPath: string;
  store: Store;
  thumbs: ThumbnailCache;
  analyzer: AnalyzerLoader;
  jobs: JobGuard;
  emit: Emit;
  people: () => PeopleApi | null;
  folders: () => readonly string[];
  /** Photos in flight. */
  concurrency: number;
  /** Minimum ms between progress events. */
  progressIntervalMs: number;
}

export type ScanMethod = 'scan.start' | 'scan.pause' | 'scan.resume' | 'scan.cancel' | 'scan.state';

export class ScanJobs {
  /** The scan in progress: its scanner (pause, resume, cancel) and its hold on the job guard. */
  private running: { scanner: Scanner; ticket: JobTicket } | null = null;
  /** The running scan until its last event is out (scanSettled, close). */
  private settling: Promise<void> | null = null;
  private progress: ScanProgress | null = null;
  private failed: FailedFile[] = [];
  private lastFinishedAt: string | null;
  /** What stopped the last scan, if a machine fault did (shown on the Scan screen). */
  private fault: MachineFaultInfo | null = null;
  /** Photos per second of the last scan, null if none yet. */
  lastRate: number | null = null;

  constructor(private readonly d: ScanDeps) {
    this.lastFinishedAt = d.store.scans.lastFinishedAt();
  }

  handlers(): HandlersFor<ScanMethod> {
    return {
      'scan.start': () => this.start(),
      'scan.pause': () => {
        this.running?.scanner.pause();
        return this.state();
      },
      'scan.resume': () => {
        this.running?.scanner.resume();
        return this.state();
      },
      'scan.cancel': () => {
        this.running?.scanner.cancel();
        return this.state();
      },
      'scan.state': () => this.state(),
    };
  }

  state(): ScanState {
    const scanner = this.running?.scanner ?? null;
    const failed =
      this.failed.length > 0 || scanner
        ? this.failed
        : this.d.store.errors
            .all()
            .slice(-MAX_FAILED)
            .map((e) => ({ path: e.path, code: e.code, message: e.message }));
    return {
      running: scanner !== null,
      paused: scanner?.paused ?? false,
      progress: this.progress,
      failed,
      lastFinishedAt: this.lastFinishedAt,
      fault: this.fault,
    };
  }

  private async start(): Promise<ScanState> {
    if (this.running) return this.state();
    this.d.jobs.refuse('scan');
    const roots = this.d.folders().filter((f) => {
      try {
        return fs.statSync(f).isDirectory();
      } catch {
        return false;
      }
    });
    if (roots.length === 0) throw new ContractError('bad-request', 'add a folder first');
    const analyzer = await this.d.analyzer.get();
    if (this.running) return this.state();
    const scanner = new Scanner({
      store: this.d.store,
      analyzer,
      concurrency: this.d.concurrency,
      thumbnails: this.d.thumbs,
      progressIntervalMs: this.d.progressIntervalMs,
    });
    // (asked again: another job may have started while the face engine loaded)
    const ticket = this.d.jobs.start('scan');
    const job = { scanner, ticket };
    this.running = job;
    const end = () => {
      ticket.end();
      if (this.running === job) this.running = null;
    };
    this.failed = [];
    this.progress = null;
    this.fault = null;
    scanner.on('progress', (pr: ScanProgress) => {
      this.progress = pr;
      this.d.emit('scan.progress', pr);
    });
    scanner.on('file-error', (e: FileError) => {
      const f = { path: e.path, code: e.code, message: e.message };
      this.failed.push(f);
      if (this.failed.length > MAX_FAILED) this.failed.shift();
      this.d.emit('scan.fileError', f);
    });
    scanner.on('paused', () => this.d.emit('scan.state', this.state()));
    scanner.on('resumed', () => this.d.emit('scan.state', this.state()));
    this.settling = scanner
      .scan(roots)
      .then(
        (summary: ScanSummary) => this.finished(summary, end),
        (e: Error) => {
          end();
          const fault = libraryFaultOf(e, this.d.dbPath, 'scan');
          if (fault) this.fault = fault.info;
          else this.failed.push({ path: roots.join(', '), code: 'scan-failed', message: e.message });
        },
      )
      .finally(() => {
        end();
        this.settling = null;
        this.d.emit('scan.state', this.state());
      });
    const state = this.state();
    this.d.emit('scan.state', state);
    return state;
  }

  /** A scan ended: people are updated (unless it was cancelled), then the job ends and says so. */
  private finished(summary: ScanSummary, end: () => void): void {
    if (summary.fault) {
      // Stopped by the machine: nothing to update, the same scan resumes from Scan now.
      this.fault = summary.fault;
      end();
      return;
    }
    this.lastFinishedAt = new Date().toISOString();
    if (summary.rate > 0) this.lastRate = summary.rate;
    let peopleError: string | null = null;
    const people = this.d.people();
    if (people && !summary.cancelled) {
      try {
        people.update();
      } catch (e) {
        peopleError = e instanceof Error ? e.message : String(e);
      }
    }
    end();
    this.d.emit('scan.finished', {
      cancelled: summary.cancelled,
      indexed: summary.indexed,
      faces: summary.faces,
      errors: summary.errors,
      elapsedMs: summary.elapsedMs,
      found: summary.found,
    });
    if (peopleError) this.d.emit('scan.fileError', { path: this.d.dbPath, code: 'clustering-failed', message: peopleError });
    this.d.emit('people.changed', { reason: 'scan' });
  }

  /** Resolves when the running scan (if any) has finished and said so. */
  async settled(): Promise<void> {
    await this.settling;
  }

  /** Cancels the running scan (close()). */
  cancel(): void {
    this.running?.scanner.cancel();
  }
}
