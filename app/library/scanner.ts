/**
 * The library scanner: walk -> persisted job queue -> per-photo analysis -> one transaction per
 * photo -> cleanup of what vanished.
 *
 * Crash safety: every job leaves 'pending' in the same transaction that writes its photo, faces
 * and errors. A killed process resumes the unfinished scan over the same roots (the walk is
 * redone only if it had not finished), so a kill at any moment followed by the same command gives
 * the database a clean run gives.
 * Machine faults (app/contract/faults.ts) are not file faults: a full disk, a read-only, locked
 * or unreachable library, or a library folder (scan root) that goes offline stops the scan after
 * the photos in flight, with `summary.fault` set and phase 'stopped'. No photo gets an error for
 * it: the job that met it stays pending (its attempt uncounted), so the same scan run again, once
 * the cause is fixed, retries everything the fault touched. Photos under a root that is offline are
 * never deleted nor taken as moved.
 *
 * Events: 'progress' (ScanProgress, throttled), 'file-error' ({ path, code, message }),
 * 'paused', 'resumed', 'fault' (MachineFaultInfo).
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { MachineFaultInfo } from '../contract/faults';
import { libraryFaultOf, MachineFault, makeFault } from '../store/faults';
import type { Store } from '../store/store';
import { recordScanSpeed } from '../store/settings';
import { DETECTOR_REV, detectsDifferently } from '../faces/detect';
import type { JobRow, NewPhoto, PhotoRow } from '../store/types';
import type { FaceRecord } from '../faces/types';
import { errorCode, type Analyzer, type DrawnBoxes, type ScanAnalysis } from './analyzer';
import { sha1 } from './hash';
import { heicToPng } from './heic';
import { inspectBytes, MAX_PIXELS, ScanFileError, type Inspection } from './inspect';
import { readPhotoMetadata } from './photo-metadata';
import { InOrder } from './in-order';
import { ProgressMeter, type ScanPhase, type ScanProgress } from './progress';
import type { ThumbnailCache } from './thumbnails';
import { walkIntoQueue } from './walk-phase';
import { LibraryRoots, isGoneOrExcluded, normaliseRoots } from './roots';
import { ScanClock } from './scan-timings';

export interface ScannerOptions {
  store: Store;
  analyzer: Analyzer;
  /** Where to cache thumbnails; null: none. */
  thumbnails?: ThumbnailCache | null;
  /** Photos in flight at once (decode of one overlaps embedding of another). Default 2. */
  concurrency?: number;
  maxPixels?: number;
  /** Files larger than this are not read (default 256 MiB). */
  maxFileBytes?: number;
  /** A job that was started this many times without finishing (the process died) is given up. */
  maxAttempts?: number;
  /** Minimum ms between 'progress' events (default 100). */
  progressIntervalMs?: number;
}

export type JobOutcome = 'indexed' | 'unchanged' | 'moved' | 'copied' | 'failed' | 'known-bad';

export interface ScanSummary extends ScanProgress {
  scanId: number;
  roots: string[];
  resumed: boolean;
  cancelled: boolean;
  /** Set when a machine fault stopped the scan (phase 'stopped'); run it again once fixed. */
  fault: MachineFaultInfo | null;
}

export interface FileError {
  path: string;
  code: string;
  message: string;
}

const QUEUE_BATCH = 64;

export class Scanner extends EventEmitter {
  private readonly store: Store;
  private readonly analyzer: Analyzer;
  private readonly thumbs: ThumbnailCache | null;
  private readonly concurrency: number;
  private readonly maxPixels: number;
  private readonly maxFileBytes: number;
  private readonly maxAttempts: number;
  private meter: ProgressMeter;
  private cancelled = false;
  private pauseGate: { promise: Promise<void>; release: () => void } | null = null;
  private running = false;
  private fault: MachineFault | null = null;
  /** Roots of every scan this library has had: which folder a photo belongs to, and whether it is offline. */
  private known: LibraryRoots | null = null;
  /** Where this scan's time went, per stage (scan-timings.ts; read by `npm run bench:scan`). */
  readonly clock = new ScanClock();

  constructor(opts: ScannerOptions) {
    super();
    this.store = opts.store;
    this.analyzer = opts.analyzer;
    this.thumbs = opts.thumbnails ?? null;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 2));
    this.maxPixels = opts.maxPixels ?? MAX_PIXELS;
    this.maxFileBytes = opts.maxFileBytes ?? 256 * 1024 * 1024;
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.meter = new ProgressMeter(opts.progressIntervalMs ?? 100, (p) => this.emit('progress', p));
  }

  get paused(): boolean {
    return this.pauseGate !== null;
  }

  /** Stop taking new photos after the ones in flight; `resume()` continues. */
  pause(): void {
    if (this.pauseGate || !this.running) return;
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    this.pauseGate = { promise, release };
    this.emit('paused');
  }

  resume(): void {
    const gate = this.pauseGate;
    if (!gate) return;
    this.pauseGate = null;
    gate.release();
    this.emit('resumed');
  }

  /** Cancelled, or stopped by a machine fault. */
  private get stopping(): boolean {
    return this.cancelled || this.fault !== null;
  }

  /** Stops the scan for a machine fault (the first one wins); the photos in flight finish. */
  private halt(f: MachineFault): void {
    if (this.fault) return;
    this.fault = f;
    this.emit('fault', f.info);
    this.resume();
  }

  /** Finish the photos in flight and stop; the scan stays resumable (same roots, next run). */
  cancel(): void {
    this.cancelled = true;
    this.resume();
  }

  async scan(rootsIn: string[]): Promise<ScanSummary> {
    if (this.running) throw new Error('a scan is already running');
    const roots = normaliseRoots(rootsIn);
    this.running = true;
    this.cancelled = false;
    this.fault = null;
    let scanId = -1;
    let resumed = false;
    try {
      this.meter.reset();
      this.clock.reset();
      try {
        const opened = this.store.scans.openOrResume(roots);
        const scan = opened.scan;
        scanId = scan.id;
        resumed = opened.resumed;
        this.known = new LibraryRoots(roots, this.store.scans.allRoots(), this.store.photos);
        if (!scan.walk_done) {
          this.meter.phase('walking');
          await this.walkPhase(scan.id, roots);
          if (!this.stopping) this.store.scans.markWalkDone(scan.id);
        }
        if (!this.stopping) {
          const found = this.store.jobs.count(scan.id);
          const pending = this.store.jobs.count(scan.id, 'pending');
          this.meter.startIndexing(found, found - pending);
          await this.indexPhase(scan.id);
          this.recordSpeed();
        }
        if (!this.stopping) {
          this.meter.phase('cleaning');
          this.cleanupPhase(scan.id, roots);
        }
      } catch (e) {
        const f = this.faultOf(e);
        if (!f) throw e;
        this.halt(f);
      }
      const fault = this.fault as MachineFault | null; // (set by halt(), which TS does not follow)
      this.meter.phase(fault ? 'stopped' : this.cancelled ? 'cancelled' : 'done');
      return { ...this.meter.snapshot(), scanId, roots, resumed, cancelled: this.cancelled, fault: fault?.info ?? null };
    } finally {
      this.running = false;
      this.pauseGate = null;
    }
  }

  /** The indexing phase's speed, for `visage status`, when it analysed photos. */
  private recordSpeed(): void {
    const p = this.meter.snapshot();
    const seconds = this.meter.indexingSeconds();
    if (p.indexed === 0 || seconds <= 0) return;
    recordScanSpeed(this.store.db, {
      finishedAt: new Date().toISOString(),
      photos: p.indexed,
      faces: p.faces,
      seconds: Math.round(seconds * 10) / 10,
      photosPerSecond: Math.round((p.indexed / seconds) * 100) / 100,
      provider: this.analyzer.provider ?? 'unknown',
      workers: this.analyzer.workers ?? 1,
      embedder: this.analyzer.embedderId,
    });
  }

  // ---- walk: every photo file becomes a job, every walk problem a failed job + error (walk-phase.ts) ----

  private walkPhase(scanId: number, roots: string[]): Promise<void> {
    return walkIntoQueue({ store: this.store, meter: this.meter, onFileError: (p, c, m) => this.fileError(p, c, m), shouldStop: () => this.stopping }, scanId, roots);
  }

  // ---- index: N workers drain the pending jobs in id order ----

  private async indexPhase(scanId: number): Promise<void> {
    let cursor = 0;
    // New photos and faces are written in job order, whichever worker finishes first: the same
    // folders give the same ids on every scan (reproducible libraries and evaluations).
    const order = new InOrder();
    let taken = 0;
    let buffer: JobRow[] = [];
    const next = (): JobRow | undefined => {
      if (buffer.length === 0) {
        buffer = this.store.jobs.nextPending(scanId, cursor, QUEUE_BATCH);
        if (buffer.length > 0) cursor = buffer[buffer.length - 1]!.id;
      }
      return buffer.shift();
    };
    const worker = async () => {
      for (;;) {
        if (this.pauseGate) await this.pauseGate.promise;
        if (this.stopping) return;
        const job = next();
        if (!job) return;
        const seq = taken++;
        this.meter.current(job.path);
        let outcome: JobOutcome | null;
        try {
          outcome = await this.processJob(scanId, job, () => order.turn(seq));
        } catch (e) {
          outcome = this.unexpected(job, e);
        } finally {
          order.done(seq);
        }
        if (outcome) this.meter.jobDone(outcome);
      }
    };
    // Every worker ends before the scan does (never a photo left in flight in the analyzer when the
    // caller closes it); the first unexpected error, if any, is thrown then.
    const settled = await Promise.allSettled(Array.from({ length: this.concurrency }, worker));
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /**
   * An error processJob did not turn into an outcome. A machine fault stops the scan and leaves the
   * job pending (null). Anything else (a bug) is still that one file's error, never the scan's end.
   */
  private unexpected(job: JobRow, e: unknown): JobOutcome | null {
    const fault = this.faultOf(e);
    if (!fault) {
      const code = e instanceof ScanFileError ? e.code : 'internal';
      try {
        return this.fail(job, code, e instanceof Error ? e.message : String(e));
      } catch (e2) {
        const f2 = this.faultOf(e2);
        if (!f2) throw e2;
        this.halt(f2);
        return null;
      }
    }
    this.halt(fault);
    try {
      this.store.jobs.unattempt(job.id); // the machine failed, not this file: its try does not count
    } catch {
      // (the database may be unwritable right now: one attempt stays counted, of maxAttempts)
    }
    return null;
  }

  private knownRoots(): LibraryRoots {
    if (!this.known) throw new Error('no scan is running');
    return this.known;
  }

  private faultOf(e: unknown): MachineFault | null {
    return libraryFaultOf(e, this.store.file, 'scan');
  }

  /**
   * One file. Every path out of here commits the job's new state in the same transaction as its
   * data. `turn` (when given) resolves once the jobs taken before this one are done: new photo rows
   * wait for it, so that ids follow the job order.
   */
  async processJob(scanId: number, job: JobRow, turn?: () => Promise<void>): Promise<JobOutcome> {
    const { store } = this;
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(job.path);
    } catch (e) {
      this.knownRoots().checkOnline(job.path, e);
      return this.failFs(job, e);
    }
    if (!st.isFile()) return this.fail(job, 'not-a-file', 'not a regular file');
    const size = st.size;
    const mtimeMs = Math.floor(st.mtimeMs);
    const existing = store.photos.byPath(job.path);
    // A photo with no face at all that today's detector sees differently is analysed again, as if
    // it had changed (a library scanned before the detector's aspect fix: its portrait photos).
    const again = existing !== undefined && this.detectAgain(existing);
    if (existing && !again && existing.size === size && existing.mtime_ms === mtimeMs) {
      this.done(job, () => store.errors.clear(job.path));
      return 'unchanged';
    }
    const known = store.errors.byPath(job.path);
    if (!existing && known && known.size === size && known.mtime_ms === mtimeMs) {
      store.jobs.setState(job.id, 'failed');
      return 'known-bad';
    }
    if (size === 0) return this.fail(job, 'empty-file', 'file is empty (0 bytes)', size, mtimeMs);
    if (size > this.maxFileBytes) {
      return this.fail(job, 'too-large', `file is ${size} bytes, over the ${this.maxFileBytes}-byte limit`, size, mtimeMs);
    }
    if (job.attempts >= this.maxAttempts) {
      return this.fail(job, 'crashed', `the process stopped ${job.attempts} times while indexing this file`, size, mtimeMs);
    }
    this.clock.timeSync('database', () => store.jobs.attempt(job.id));

    let buf: Buffer;
    try {
      buf = await this.clock.time('read', () => fs.promises.readFile(job.path));
    } catch (e) {
      this.knownRoots().checkOnline(job.path, e);
      return this.failFs(job, e);
    }
    const hash = this.clock.timeSync('hash', () => sha1(buf));
    if (existing && !again && existing.hash === hash) {
      this.done(job, () => {
        store.photos.touch(existing.id, buf.length, mtimeMs);
        store.errors.clear(job.path);
      });
      return 'unchanged';
    }
    if (!existing) {
      const shortcut = await this.reuseByHash(scanId, job, hash, buf.length, mtimeMs, turn);
      if (shortcut) return shortcut;
    }

    let info: Inspection;
    try {
      info = await this.clock.time('inspect', () => inspectBytes(job.path, buf, this.maxPixels));
    } catch (e) {
      if (e instanceof ScanFileError) return this.fail(job, e.code, e.message, size, mtimeMs);
      throw e;
    }
    const meta = await this.clock.time('exif', () => readPhotoMetadata(buf));
    // The faces the user drew on the file's earlier version are analysed again on its new pixels,
    // from the same decode as the detector's (they keep their ids: person, rejections, corrections).
    const drawnRows = existing ? store.faces.manualByPhoto(existing.id) : [];
    const drawn: DrawnBoxes | undefined =
      existing && drawnRows.length ? { width: existing.width, height: existing.height, boxes: drawnRows.map((f) => ({ x: f.x, y: f.y, width: f.w, height: f.h })) } : undefined;
    let analysis: ScanAnalysis;
    let decoded = buf;
    try {
      if (info.format === 'heic') decoded = await this.clock.time('heic', () => heicToPng(buf));
      analysis = await this.clock.time('analyze', () => this.analyze(job.path, decoded, buf, drawn));
    } catch (e) {
      const code = errorCode(e) ?? 'decode-failed';
      return this.fail(job, code, e instanceof Error ? e.message : String(e), size, mtimeMs);
    }
    this.clock.analysed(analysis.timings, analysis.faces.length);
    const thumbs = this.thumbs;
    if (thumbs) {
      this.clock.add('thumbnails', analysis.thumbnailMs ?? 0); // rendered in the analyzer's thread from its decode
      // A face's thumbnail is keyed by its place among the photo's stored faces, which the drawn
      // faces (kept ids) and the de-duplication against them change: on such a photo only the
      // photo's is written here, the faces' are rendered on demand (ThumbnailCache.ensureFace).
      const faceThumbs = drawnRows.length === 0;
      try {
        const r = analysis.thumbnails; // (else decoded again here)
        await this.clock.time('thumbnails', async () =>
          r ? thumbs.writeRendered(hash, faceThumbs ? r : { photo: r.photo, faces: [] }) : thumbs.write(decoded, hash, analysis.width, faceThumbs ? analysis.faces.map((f) => f.box) : []),
        );
      } catch (e) {
        // A thumbnail is a cache: it is regenerated on demand. Never fail a photo for it; but a
        // full or unwritable library disk stops the scan (the photo is retried, thumbnails too).
        const f = this.faultOf(e);
        if (f && f.kind !== 'locked') throw f;
      }
    }
    const photo: NewPhoto = {
      path: job.path,
      hash,
      size: buf.length,
      mtime_ms: mtimeMs,
      width: analysis.width,
      height: analysis.height,
      orientation: meta.orientation ?? analysis.orientation ?? 1,
      format: info.format,
      taken_at: meta.takenAt,
      camera_make: meta.cameraMake,
      camera_model: meta.cameraModel,
      gps_lat: meta.gpsLat,
      gps_lon: meta.gpsLon,
      detector_rev: DETECTOR_REV,
    };
    // A new orientation tag turns the pixels under the boxes (a half turn keeps the size and the
    // aspect): the drawn faces cannot be mapped and stay as they were.
    const redrawn = new Map<number, FaceRecord>();
    if (existing && photo.orientation === existing.orientation) {
      drawnRows.forEach((f, i) => {
        const r = analysis.drawn?.[i];
        if (r) redrawn.set(f.id, r);
      });
    }
    await turn?.();
    // A re-walk may have found this file again meanwhile (e.g. it vanished): write only if still ours.
    this.done(job, () => {
      let id: number;
      const now = store.photos.byPath(job.path);
      if (now) {
        id = now.id;
        store.photos.replace(id, photo);
      } else {
        id = store.photos.insert(photo);
      }
      // The detector's faces are replaced; faces the user drew stay, analysed again where their
      // boxes could be mapped onto the new pixels (FacesRepo.replaceDetected).
      store.faces.replaceDetected(id, analysis.faces, redrawn);
      store.errors.clear(job.path);
    });
    this.meter.faces(analysis.faces.length);
    return 'indexed';
  }

  private async analyze(file: string, decoded: Buffer, original: Buffer, drawn: DrawnBoxes | undefined): Promise<ScanAnalysis> {
    if (this.analyzer.analyzeBuffer) return this.analyzer.analyzeBuffer(decoded, { thumbnails: this.thumbs !== null, ...(drawn ? { drawn } : {}) });
    if (decoded !== original) throw new ScanFileError('decode-failed', 'this analyzer cannot take decoded HEIC pixels');
    return this.analyzer.analyzeFile(file);
  }

  /**
   * Same bytes already indexed: a photo whose old path is gone has moved (its row, faces, person
   * assignments and corrections follow it); one whose path still exists is a copy (its analysis,
   * the faces drawn on it included, is reused instead of recomputed, and the people tagged on it
   * without a face are tagged on the copy).
   */
  private async reuseByHash(scanId: number, job: JobRow, hash: string, size: number, mtimeMs: number, turn?: () => Promise<void>): Promise<JobOutcome | null> {
    const { store } = this;
    const twins = store.photos.byHash(hash).filter((p) => p.path !== job.path);
    if (twins.length === 0) return null;
    const moved = twins.find((p) => !store.jobs.seen(scanId, p.path) && this.knownRoots().isGone(p.path));
    if (moved) {
      this.done(job, () => {
        store.photos.move(moved.id, job.path, size, mtimeMs);
        store.errors.clear(job.path);
      });
      this.meter.faces(store.faces.byPhoto(moved.id).length);
      return 'moved';
    }
    const source = twins.find((p) => this.sameModel(p));
    if (!source) return null;
    let faces = 0;
    await turn?.();
    this.done(job, () => {
      const id = store.photos.insert({ ...photoFields(source), path: job.path, size, mtime_ms: mtimeMs });
      faces = store.faces.copyAll(source.id, id);
      // The people on it without a face too: the copy shows the same people as its original.
      store.people.copyTags(source.id, id);
      store.errors.clear(job.path);
    });
    this.meter.faces(faces);
    return 'copied';
  }

  /** Found by an earlier detector that today's would run differently on it, and no face kept (none found, drawn or decided on). */
  private detectAgain(p: PhotoRow): boolean {
    return detectsDifferently(p.detector_rev, p.width, p.height) && !this.store.faces.hasAny(p.id);
  }

  private sameModel(p: PhotoRow): boolean {
    return this.store.faces.byPhoto(p.id).every((f) => f.model_id === this.analyzer.embedderId);
  }

  // ---- cleanup: what the finished walk did not find is gone from the library ----

  private cleanupPhase(scanId: number, roots: string[]): void {
    const { store } = this;
    let removed = 0;
    // A root that is offline now would look empty: its photos are kept and the scan stays open.
    const offline = roots.find((r) => this.knownRoots().rootOffline(r));
    if (offline) throw makeFault('folder-offline', offline, 'the folder is not reachable (or empty) at clean-up', 'scan');
    store.transaction(() => {
      const problemDirs = roots.flatMap((r) => store.errors.under(r, path.sep)).filter((e) => e.code === 'permission-denied' || e.code === 'unreadable-dir');
      const shielded = (p: string) => problemDirs.some((d) => p.startsWith(d.path + path.sep));
      for (const root of roots) {
        for (const p of store.photos.under(root, path.sep)) {
          if (store.jobs.seen(scanId, p.path) || shielded(p.path) || !isGoneOrExcluded(p.path)) continue;
          store.photos.delete(p.id); // faces and face assignments cascade; corrections are kept
          removed++;
        }
        for (const e of store.errors.under(root, path.sep)) {
          if (!store.jobs.seen(scanId, e.path)) store.errors.delete(e.id);
        }
      }
      store.scans.finish(scanId);
      store.jobs.clear(scanId);
    });
    this.meter.removed(removed);
  }

  // ---- outcomes ----

  private done(job: JobRow, write: () => void): void {
    this.clock.timeSync('database', () => this.store.transaction(() => {
      write();
      this.store.jobs.setState(job.id, 'done');
    }));
  }

  private fail(job: JobRow, code: string, message: string, size?: number, mtimeMs?: number): JobOutcome {
    this.clock.timeSync('database', () => this.store.transaction(() => {
      this.store.errors.record({ path: job.path, code, message, size: size ?? null, mtime_ms: mtimeMs ?? null });
      this.store.jobs.setState(job.id, 'failed');
    }));
    this.fileError(job.path, code, message);
    return 'failed';
  }

  private failFs(job: JobRow, e: unknown): JobOutcome {
    const c = (e as NodeJS.ErrnoException).code;
    const message = e instanceof Error ? e.message : String(e);
    if (c === 'ENOENT' || c === 'ENOTDIR') return this.fail(job, 'vanished', `file disappeared during the scan: ${message}`);
    if (c === 'EISDIR') return this.fail(job, 'not-a-file', message);
    if (c === 'ELOOP') return this.fail(job, 'symlink-loop', message);
    return this.fail(job, 'unreadable', message);
  }

  private fileError(p: string, code: string, message: string): void {
    this.meter.error();
    const err: FileError = { path: p, code, message };
    this.emit('file-error', err);
  }
}

function photoFields(p: PhotoRow): NewPhoto {
  const { id: _id, indexed_at: _at, ...rest } = p;
  return rest;
}

export type { ScanPhase, ScanProgress };
