/**
 * People: the queries of the people service, corrections with undo/redo (each announced as
 * people.changed), the "Is this Anna?" groups of unassigned faces, and "re-group everyone"
 * (people.recluster, a background job of the JobGuard).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContractError } from '../../contract/contract';
import { suggestionGroups } from '../../people/suggestion-groups';
import type { ClusterStats } from '../../contract/people';
import type { DrawFace, PeopleApi } from '../../people/api';
import type { JobGuard } from '../jobs';
import type { Emit, HandlersFor } from './types';

export interface PeopleDeps {
  jobs: JobGuard;
  emit: Emit;
  people: () => PeopleApi | null;
  /** Aborted when the engine closes: stops a re-cluster (nothing written). */
  closing: AbortSignal;
  /** The library folders (absolute), to tell an offline photo from a missing one. */
  folders?: () => readonly string[];
  /**
   * Draws faces with the face engine, checked to be of `model`: a redo that puts back a face drawn
   * before the library moved to another model analyses its box again (PeopleApi.redoDrawing).
   */
  drawFace?: (model: string) => DrawFace;
}

export type PeopleMethod =
  | 'people.list'
  | 'people.get'
  | 'people.faces'
  | 'people.faceIds'
  | 'people.photos'
  | 'people.photoIds'
  | 'people.photosTogether'
  | 'people.unassigned'
  | 'people.suggestionGroups'
  | 'people.photo'
  | 'people.face'
  | 'people.suggestPeople'
  | 'people.suggestFaces'
  | 'people.similar'
  | 'people.suggestMerges'
  | 'people.answerMerge'
  | 'people.correct'
  | 'people.undo'
  | 'people.redo'
  | 'people.history'
  | 'people.recluster';

/** The people service, or ContractError('unavailable') when this build has none. */
export function needPeople(people: () => PeopleApi | null): PeopleApi {
  const p = people();
  if (!p) throw new ContractError('unavailable', 'people are not available in this build yet');
  return p;
}

export function peopleHandlers(d: PeopleDeps): HandlersFor<PeopleMethod> {
  const need = () => needPeople(d.people);
  return {
    'people.list': (p) => need().listPeople(p ?? {}),
    'people.get': (p) => need().getPerson(p.id),
    'people.faces': (p) => need().personFaces(p.id, { offset: p.offset, limit: p.limit ?? 2000 }),
    'people.faceIds': (p) => need().personFaceIds(p.id),
    'people.photos': (p) => need().personPhotos(p.id, { offset: p.offset, limit: p.limit }),
    'people.photoIds': (p) => need().personPhotoIds(p.id),
    'people.photosTogether': (p) => need().photosTogether(p.personIds, { only: p.only, offset: p.offset, limit: p.limit }),
    'people.unassigned': (p) => need().unassignedFaces({ offset: p?.offset, limit: p?.limit ?? 500 }),
    'people.suggestionGroups': (p) => suggestionGroups(need(), p?.limit ?? 300),
    'people.photo': (p) => {
      const photo = need().photo(p.id);
      return photo && { ...photo, file: fileState(photo.path, d.folders?.() ?? []) };
    },
    'people.face': (p) => need().face(p.id),
    'people.suggestPeople': (p) => need().suggestPeople(p.faceId, p.k),
    'people.suggestFaces': (p) => need().suggestFaces(p.personId, p.k),
    'people.similar': (p) => need().similarPeople(p.personId, p.k),
    'people.suggestMerges': (p) => need().suggestMerges(p?.limit ?? 50),
    'people.answerMerge': (p) => {
      const r = need().answerMerge(p.a, p.b, p.same);
      d.emit('people.changed', { reason: p.same ? 'correct:merge' : 'correct:not-same' });
      return r;
    },
    'people.correct': (p) => {
      const r = need().correct(p);
      d.emit('people.changed', { reason: `correct:${p.kind}` });
      return r;
    },
    'people.undo': () => {
      const r = need().undo();
      if (r) d.emit('people.changed', { reason: 'undo' });
      return r;
    },
    'people.redo': async () => {
      const people = need();
      const r = d.drawFace && people.redoDrawing ? await people.redoDrawing(d.drawFace(people.model)) : people.redo();
      if (r) d.emit('people.changed', { reason: 'redo' });
      return r;
    },
    'people.history': (p) => need().history(p?.limit),
    'people.recluster': () => recluster(d, need()),
  };
}

/**
 * "Re-group everyone": a full re-cluster whose computation runs in a worker thread, so that the
 * engine keeps answering meanwhile. Like a roll back it refuses to start during training, a
 * re-projection or a scan, and makes scans, training, roll backs, imports, strictness changes and
 * another re-cluster wait (`busy`, JobGuard); corrections are allowed: the re-cluster's result is
 * only persisted if the library did not change while it was computed, else it is computed again
 * (PeopleService.reclusterInWorker). close() stops it (nothing written).
 */
async function recluster(d: PeopleDeps, people: PeopleApi): Promise<ClusterStats> {
  const signal = d.closing;
  const r = await d.jobs.run('re-cluster', async () => (people.reclusterInWorker ? people.reclusterInWorker({ signal }) : people.recluster()));
  d.emit('people.changed', { reason: 'recluster' });
  return r;
}

/**
 * A library opened with faces no clustering has decided (scanned by `visage scan --no-cluster`, a
 * cancelled scan, a version whose command-line scans did not cluster, another tool): they are put
 * into people as a re-cluster job of the guard, on a later turn of the event loop so that the host
 * answers first, then `people.changed` ('open') tells the UI to load the people.
 * - A library never clustered at all (every face is new): the normal re-cluster, computed in a
 *   worker thread (requests, corrections included, are answered meanwhile; a result the library
 *   outdated is computed again), exactly as "Re-group everyone" (100k faces: ~50 s of work that
 *   must not freeze the app).
 * - Otherwise: the incremental update() the app runs after its own scans, which leaves the faces
 *   already in people where they are and keeps every correction exactly as there.
 * Nothing is done while another job runs: a scan updates people when it ends, and a resumed head
 * switch ends with a full re-cluster. Resolves with whether it clustered (for tests); a failure
 * goes out as a 'clustering-failed' file error, as after a scan.
 */
export function clusterNewFacesOnOpen(d: PeopleDeps & { dbPath: string }): Promise<boolean> {
  const failed = (e: unknown) => {
    // A library closed meanwhile (the host shut down: the worker aborted) is not a failure to report.
    if (!d.closing.aborted) d.emit('scan.fileError', { path: d.dbPath, code: 'clustering-failed', message: e instanceof Error ? e.message : String(e) });
    return false;
  };
  return new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
    try {
      const people = d.people();
      if (d.closing.aborted || !people?.unclusteredFaces || d.jobs.current() !== null) return false;
      const todo = people.unclusteredFaces();
      // A model switch whose re-group never ran (closed or crashed after the switch): everyone.
      const regroup = people.regroupPending?.() ?? false;
      if (todo.faces === 0 && !regroup) return false;
      const inWorker = (todo.all || regroup) && people.reclusterInWorker !== undefined;
      await d.jobs.run('re-cluster', async () =>
        inWorker && people.reclusterInWorker ? people.reclusterInWorker({ signal: d.closing }) : regroup ? people.recluster() : people.update(),
      );
      d.emit('people.changed', { reason: 'open' });
      return true;
    } catch (e) {
      return failed(e);
    }
  });
}

/**
 * Whether a photo's file is there, offline (its library folder unreachable, or an empty mount
 * point: an unplugged drive) or missing (the folder is there, the file is not).
 */
export function fileState(file: string, folders: readonly string[]): 'here' | 'offline' | 'missing' {
  if (fs.existsSync(file)) return 'here';
  const root = folders.filter((f) => file.startsWith(f.endsWith(path.sep) ? f : f + path.sep)).sort((a, b) => b.length - a.length)[0];
  if (root === undefined) return 'missing';
  try {
    return fs.readdirSync(root).length === 0 ? 'offline' : 'missing';
  } catch {
    return 'offline';
  }
}
