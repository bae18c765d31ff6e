/**
 * `visage scan DIR...`: index folders into the library database, then put the new faces into
 * people (the incremental update the app runs after its scans; `--no-cluster` skips it, and the
 * app clusters them when it next opens the library). Progress on stderr (JSON lines with --json),
 * the summary on stdout (`people`: the clustering's figures, null when it did not run). Ctrl-C
 * finishes the photos in flight and stops; the same command later resumes.
 *
 * Exit codes: 0 done, 130 cancelled (Ctrl-C), 75 stopped by a machine fault (a full disk, a
 * read-only, locked or unreachable library, a photo folder gone offline: one sentence on stderr,
 * nothing lost, the same command resumes once the cause is fixed), 2 usage, 1 anything else.
 */
import path from 'node:path';
import { numberFlag, parseArgs, stringFlag, UsageError, type CliCommand } from '../command';
import { createLibraryAnalyzer } from '../../library/analyzer-pool';
import { ScanInputError, normaliseRoots } from '../../library/roots';
import { Scanner, type FileError } from '../../library/scanner';
import type { ScanProgress } from '../../library/progress';
import { ThumbnailCache } from '../../library/thumbnails';
import { EXIT_MACHINE_FAULT } from '../../contract/faults';
import { StoreError } from '../../store/database';
import { libraryFaultOf } from '../../store/faults';
import { acquireLibraryLock, type LibraryLock } from '../../store/lock';
import { resolveDbPath, thumbnailDirFor } from '../../platform/paths';
import { Store } from '../../store/store';
import { DEFAULT_EMBEDDER } from '../../faces/models/registry';
import { pinLibraryModel } from '../../store/settings';
import type { ClusterStats } from '../../contract/people';
import { peopleServiceFor } from '../people-service';

const USAGE = `usage: visage scan DIR... [--db FILE] [--json] [--concurrency N] [--threads N] [--no-thumbnails] [--no-cluster]
  Index the photos under each DIR (JPEG, PNG, WebP, AVIF, TIFF, GIF, HEIC/HEIF) into the library,
  then put the new faces into people (as the app does after its scans).
  --db FILE         library database (default: the user-data folder's Visage/visage.db)
  --json            summary as JSON on stdout, progress as JSON lines on stderr
  --concurrency N   photos in flight at once (default 2)
  --threads N       CPU threads per model session (default 1; on CPU one worker engine runs per core)
  --no-thumbnails   do not write photo/face thumbnails
  --no-cluster      do not put the new faces into people (the app, or visage cluster, does it later)`;

export const command: CliCommand = {
  name: 'scan',
  summary: 'Scan folders for photos and faces into the library database',
  usage: USAGE,
  async run(args) {
    const p = parseArgs(args, {
      values: { db: 'string', concurrency: 'number', threads: 'number' },
      booleans: ['json', 'no-thumbnails', 'no-cluster'],
    });
    if (p.positionals.length === 0) throw new UsageError('give at least one folder to scan');
    let roots: string[];
    try {
      roots = normaliseRoots(p.positionals);
    } catch (e) {
      if (e instanceof ScanInputError) throw new UsageError(e.message);
      throw e;
    }
    const concurrency = numberFlag(p, 'concurrency') ?? 2;
    const threads = numberFlag(p, 'threads') ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new UsageError('--concurrency must be 1..16');
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new UsageError('--threads must be 1..64');
    const json = p.flags.has('json');
    const dbPath = resolveDbPath(stringFlag(p, 'db'));

    let store: Store;
    let lock: LibraryLock | null = null;
    try {
      // One writer per library (app/store/lock.ts): refused while the app or another scan has it.
      lock = acquireLibraryLock(dbPath, 'visage scan');
      store = Store.open(dbPath);
    } catch (e) {
      lock?.release();
      if (e instanceof StoreError && (e.code === 'db-missing' || e.code === 'db-unusable')) throw new UsageError(e.message);
      const fault = libraryFaultOf(e, dbPath, 'scan');
      if (!fault) throw e;
      process.stderr.write(json ? `${JSON.stringify({ fault: fault.info })}\n` : `visage scan: ${fault.message}\n`);
      return EXIT_MACHINE_FAULT;
    }
    // New faces are embedded with the library's model, pinned here for a new library (visage
    // reembed switches it).
    const analyzer = await createLibraryAnalyzer({ threads, embedder: pinLibraryModel(store.db, DEFAULT_EMBEDDER) });
    const scanner = new Scanner({
      store,
      analyzer,
      concurrency,
      thumbnails: p.flags.has('no-thumbnails') ? null : new ThumbnailCache(thumbnailDirFor(dbPath)),
      progressIntervalMs: 500,
    });
    scanner.on('progress', (pr: ScanProgress) => process.stderr.write(json ? `${JSON.stringify({ progress: pr })}\n` : `${progressLine(pr)}\n`));
    scanner.on('file-error', (e: FileError) =>
      process.stderr.write(json ? `${JSON.stringify({ error: e })}\n` : `  ! ${e.code}: ${e.path}: ${e.message}\n`),
    );
    const stop = () => scanner.cancel();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const summary = await scanner.scan(roots);
      if (summary.fault) {
        // One sentence, no stack trace; the counts so far on stdout with --json.
        if (json) process.stdout.write(`${JSON.stringify({ db: dbPath, ...summary, current: undefined })}\n`);
        process.stderr.write(json ? `${JSON.stringify({ fault: summary.fault })}\n` : `visage scan: ${summary.fault.message}\n`);
        return EXIT_MACHINE_FAULT;
      }
      // New faces into people, by the incremental update the app runs after its own scans (the
      // library's strictness and learned head; corrections kept). Not after a cancelled scan: the
      // same command resumes and clusters then (as would the app on opening the library).
      let people: ClusterStats | null = null;
      if (!summary.cancelled && !p.flags.has('no-cluster')) {
        try {
          people = peopleServiceFor(store.db, dbPath).update();
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          process.stderr.write(json ? `${JSON.stringify({ error: { code: 'clustering-failed', message } })}\n` : `visage scan: putting faces into people failed: ${message}\n`);
          return 1;
        }
      }
      const totals = { photos: store.photos.count(), faces: store.faces.count(), errors: store.errors.all().length };
      const result = { db: dbPath, ...summary, current: undefined, totals, embedder: analyzer.embedderId, people };
      if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        process.stdout.write(
          `${summary.cancelled ? 'cancelled' : 'done'}: ${summary.found} file(s), ${summary.indexed} indexed, ${summary.unchanged} unchanged, ` +
            `${summary.moved} moved, ${summary.copied} copied, ${summary.removed} removed, ${summary.errors} error(s), ` +
            `${summary.faces} face(s) in ${(summary.elapsedMs / 1000).toFixed(1)} s\n` +
            `library ${dbPath}: ${totals.photos} photo(s), ${totals.faces} face(s), ${totals.errors} error(s)\n` +
            (people ? `people: ${people.people} person(s), ${people.assigned} face(s) in people, ${people.unassigned} unassigned (${people.seconds} s)\n` : ''),
        );
      }
      return summary.cancelled ? 130 : 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await analyzer.close?.();
      store.close();
      lock.release();
    }
  },
};

function progressLine(p: ScanProgress): string {
  const eta = p.etaSeconds === null ? '?' : `${Math.ceil(p.etaSeconds)}s`;
  const cur = p.current ? ` ${path.basename(p.current)}` : '';
  if (p.phase === 'walking') return `scan: walking, ${p.found} photo file(s) found`;
  return `scan: ${p.phase} ${p.done}/${p.found}, ${p.faces} face(s), ${p.errors} error(s), ${p.rate.toFixed(1)}/s, ETA ${eta}${cur}`;
}
