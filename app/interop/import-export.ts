/**
 * "Export people" / "Import" and XMP face regions, wired to the library and the people service.
 *
 * Export writes the versioned people file (app/interop/people-file.ts): persons, every face with a
 * decision (person, source, confirmed, "not a face", "not this person") identified by its photo's
 * content hash and its box, and the corrections log as history.
 * Import finds each face again in this library (photo by content hash, then by path; face by box
 * overlap), and applies everything as ONE undoable correction of kind 'import'. A named person's
 * faces name the (unnamed) person they are in here, whole (name-tags.ts).
 * XMP: named faces are written as MWG regions to sidecars; reading sidecars (or XMP embedded in
 * the photos) back names the matching faces, again as one undoable 'import'.
 */
import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { Box } from '../faces/types';
import { InteropRepo } from '../store/interop-repo';
import {
  emptyPeopleFile,
  matchFace,
  type LibraryFace,
  type PeopleFile,
  type PeopleFileFace,
} from './people-file';

/** A correction as the people file keeps it: the log's 'import' entries are left out. */
type FileCorrection = PeopleFile['corrections'][number];
import { areaFromBox, boxFromArea, isWholePhoto, noFaceRegions, uprightRegions, WHOLE_PHOTO_AREA, type Region } from './xmp/regions';
import { writeSidecarRegions } from './xmp/sidecar';
import { readPhotoRegions } from './xmp/index';
import { iou } from '../faces/geometry';
import { resolveNameTags, type ImportConflict, type TagOutcome } from './name-tags';
import type { PeopleService } from '../people/people-service';
import type { CorrectionResult, ImportPlan, ManualFace } from '../contract/people';

export function exportPeople(db: Database.Database, appVersion: string): PeopleFile {
  const file = emptyPeopleFile(appVersion);
  const repo = new InteropRepo(db);
  const persons = repo.exportablePersons();
  const live = new Set(persons.map((p) => p.id));
  const rejections = new Map<number, number[]>();
  for (const r of repo.rejections()) {
    if (!live.has(r.person_id)) continue;
    rejections.set(r.face_id, [...(rejections.get(r.face_id) ?? []), r.person_id]);
  }
  // A face the user drew is a decision of its own, in a person or not.
  const faces = repo.allDecisionFaces().filter(
    (f) => (f.person_id !== null && live.has(f.person_id)) || f.not_a_face || rejections.has(f.id) || f.manual,
  );
  const faceIds = new Set(faces.map((f) => f.id));
  file.persons = persons.map((p) => ({
    id: p.id,
    name: p.name,
    hidden: !!p.hidden,
    cover: p.cover_face_id !== null && faceIds.has(p.cover_face_id) ? p.cover_face_id : null,
    createdAt: p.created_at,
    ...(p.birth_date ? { birthDate: p.birth_date } : {}),
  }));
  file.faces = faces.map((f) => ({
    id: f.id,
    photo: { path: f.path, hash: f.hash, width: f.width, height: f.height },
    box: { x: f.x, y: f.y, width: f.w, height: f.h },
    person: f.not_a_face ? null : f.person_id,
    source: f.not_a_face || f.person_id === null ? null : f.source,
    confirmed: !!f.confirmed && !f.not_a_face,
    ...(f.not_a_face ? { notAFace: true } : {}),
    ...(rejections.has(f.id) ? { rejected: rejections.get(f.id)! } : {}),
    model: f.model_id,
    ...(f.manual ? { manual: true } : {}),
  }));
  file.tags = repo
    .tags()
    .filter((t) => live.has(t.person_id))
    .map((t) => ({ photo: { path: t.path, hash: t.hash, width: t.width, height: t.height }, person: t.person_id }));
  file.corrections = repo
    .correctionsLog()
    .map((r) => ({ id: r.id, at: r.at, correction: historyOf((JSON.parse(r.payload) as { correction: FileCorrection['correction'] | { kind: 'import' } }).correction), undone: r.undone !== 0 }))
    .filter((c): c is FileCorrection => c.correction.kind !== 'import');
  return file;
}

/** A correction as history: a drawn face's analysis stays out (its face entry holds the face). */
function historyOf<C extends { kind: string }>(c: C): C {
  if (c.kind !== 'add-face') return c;
  const { face: _face, ...rest } = c as C & { face?: unknown };
  return rest as C;
}

/**
 * Draws a face again in this library: the face in `box` of photo `photoId` analysed by the face
 * engine (app/library/drawn-face.ts, handed in by the engine or the CLI), for faces drawn by hand
 * in the exporting library (or written to XMP as drawn) that this library lacks.
 */
export type DrawFace = (photoId: number, box: Box) => Promise<ManualFace>;

/** A file face's box in this library's photo (scaled when it saw the photo at another size), clamped inside it. */
function boxIn(box: Box, from: { width: number; height: number }, to: { width: number; height: number }): Box {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  const x = Math.max(0, box.x * sx);
  const y = Math.max(0, box.y * sy);
  return { x, y, width: Math.min(box.width * sx, to.width - x), height: Math.min(box.height * sy, to.height - y) };
}

export interface ImportReport {
  persons: number;
  faces: number;
  /** File faces whose photo or face was not found in this library. */
  unmatched: { path: string; box: Box; reason: 'photo-not-found' | 'face-not-found' }[];
  correction: CorrectionResult | null;
  /** Unnamed people that took the name their tagged faces carry (app/interop/name-tags.ts). */
  named: TagOutcome['named'];
  /** Unnamed people merged whole into the person who already had their tags' name. */
  merged: TagOutcome['merged'];
  /** People whose tags disagreed: only the tagged faces moved. */
  conflicts: ImportConflict[];
}

/** Library faces of the photo the file face was on (content hash first, then path). */
function candidatesFor(db: Database.Database, f: PeopleFileFace): (LibraryFace & { id: number })[] | null {
  const repo = new InteropRepo(db);
  const photo = repo.photoByHashOrPath(f.photo.hash, f.photo.path);
  if (!photo) return null;
  return repo.facesOfPhoto(photo.id).map((r) => ({ id: r.id, box: { x: r.x, y: r.y, width: r.w, height: r.h }, photoWidth: photo.width, photoHeight: photo.height }));
}

/** A file's face drawn by hand that this library lacks, on photo `photoId` at `box` (its pixels). */
export interface FaceToDraw {
  face: PeopleFileFace;
  photoId: number;
  box: Box;
}

export function planFromPeopleFile(
  db: Database.Database,
  file: PeopleFile,
): { plan: ImportPlan; unmatched: ImportReport['unmatched']; toDraw: FaceToDraw[] } {
  const plan: ImportPlan = { persons: [], assignments: [], rejections: [], notAFace: [], covers: [] };
  const unmatched: ImportReport['unmatched'] = [];
  const toDraw: FaceToDraw[] = [];
  const mapped = new Map<number, number>();
  const repo = new InteropRepo(db);
  for (const f of file.faces) {
    const cands = candidatesFor(db, f);
    if (!cands) {
      unmatched.push({ path: f.photo.path, box: f.box, reason: 'photo-not-found' });
      continue;
    }
    const id = matchFace(f, cands);
    if (id === null) {
      const photo = f.manual && !f.notAFace ? repo.photoByHashOrPath(f.photo.hash, f.photo.path) : undefined;
      if (photo) toDraw.push({ face: f, photoId: photo.id, box: boxIn(f.box, f.photo, photo) });
      else unmatched.push({ path: f.photo.path, box: f.box, reason: 'face-not-found' });
      continue;
    }
    mapped.set(f.id, id);
  }
  const used = new Set<number>();
  // The other library's own guesses - machine assignments to unnamed, visible people - are not
  // decisions: this library's clustering stands for those faces (and a name imported for some of
  // them names the person they are in here: name-tags.ts).
  // People the user kept apart ("Same person?" answered No) or put faces into by hand are decisions
  // even unnamed: their faces' assignments and rejections travel.
  const decided = new Set<number>();
  for (const e of file.corrections) {
    if (!e.undone && e.correction.kind === 'not-same') for (const id of [e.correction.a, e.correction.b]) decided.add(id);
  }
  for (const f of file.faces) if (f.person !== null && f.source === 'user') decided.add(f.person);
  const guesses = new Set(file.persons.filter((p) => !p.name && !p.hidden && !decided.has(p.id)).map((p) => p.id));
  for (const d of toDraw) if (d.face.person !== null) used.add(d.face.person);
  plan.tags = [];
  for (const t of file.tags ?? []) {
    const photo = repo.photoByHashOrPath(t.photo.hash, t.photo.path);
    if (!photo) {
      unmatched.push({ path: t.photo.path, box: { x: 0, y: 0, width: t.photo.width, height: t.photo.height }, reason: 'photo-not-found' });
      continue;
    }
    plan.tags.push({ photoId: photo.id, person: `p${t.person}` });
    used.add(t.person);
  }
  for (const f of file.faces) {
    const id = mapped.get(f.id);
    if (id === undefined) continue;
    if (f.notAFace) plan.notAFace.push(id);
    else if (f.person !== null && f.source && !(f.source === 'machine' && guesses.has(f.person))) {
      plan.assignments.push({ faceId: id, person: `p${f.person}`, source: f.source, confirmed: f.confirmed });
      used.add(f.person);
    }
    for (const r of f.rejected ?? []) {
      plan.rejections.push({ faceId: id, person: `p${r}` });
      // A guess of the other library that no decision here brings in is not created for a rejection alone.
      if (!guesses.has(r)) used.add(r);
    }
  }
  for (const p of file.persons) {
    // Named, hidden or dated persons are user decisions even without faces here; others need a face.
    if (!used.has(p.id) && !p.name && !p.hidden && !p.birthDate) continue;
    plan.persons.push({ ref: `p${p.id}`, name: p.name, hidden: p.hidden, ...(p.birthDate ? { birthDate: p.birthDate } : {}) });
    if (p.cover !== null && mapped.has(p.cover)) plan.covers.push({ person: `p${p.id}`, faceId: mapped.get(p.cover)! });
  }
  const refs = new Set(plan.persons.map((p) => p.ref));
  plan.rejections = plan.rejections.filter((r) => refs.has(r.person));
  return { plan, unmatched, toDraw };
}

/**
 * Imports a people file as one undoable correction. With `draw`, faces drawn by hand in the
 * exporting library that this one lacks are drawn again (analysed from their box) in the same
 * correction; without it (or when drawing one fails) they are reported unmatched. Named people of
 * the file name the people their faces are in here, not one face each (name-tags.ts).
 */
export async function importPeople(svc: PeopleService, db: Database.Database, file: PeopleFile, source: string, draw?: DrawFace): Promise<ImportReport> {
  const { plan, unmatched, toDraw } = planFromPeopleFile(db, file);
  const refs = new Set(plan.persons.map((p) => p.ref));
  plan.addFaces = [];
  for (const d of toDraw) {
    const face = draw ? await draw(d.photoId, d.box).catch(() => null) : null;
    if (!face) {
      unmatched.push({ path: d.face.photo.path, box: d.face.box, reason: 'face-not-found' });
      continue;
    }
    const person = d.face.person !== null && refs.has(`p${d.face.person}`) ? `p${d.face.person}` : null;
    plan.addFaces.push({ photoId: d.photoId, face, person, source: person ? (d.face.source ?? 'user') : 'user', confirmed: person !== null && d.face.confirmed });
  }
  const empty = !plan.persons.length && !plan.notAFace.length && !plan.addFaces.length;
  const tags = resolveNameTags(db, plan);
  const correction = empty ? null : svc.correct({ kind: 'import', source, plan });
  return { persons: plan.persons.length, faces: plan.assignments.length + plan.notAFace.length + plan.addFaces.length, unmatched, correction, ...tags };
}

// ---------------------------------------------------------------------------------------- XMP

export interface XmpWriteReport {
  photos: number;
  regions: number;
  sidecars: string[];
  failed: { path: string; error: string }[];
}

/** Writes the named faces and no-face tags of every photo (or of one person's photos) to XMP sidecars. */
export function writeXmpSidecars(db: Database.Database, opts: { personId?: number } = {}): XmpWriteReport {
  const repo = new InteropRepo(db);
  interface PhotoRegions { path: string; width: number; height: number; people: Set<number>; regions: Region[] }
  const byPhoto = new Map<number, PhotoRegions>();
  const entry = (id: number, path: string, width: number, height: number) => {
    let e = byPhoto.get(id);
    if (!e) byPhoto.set(id, (e = { path, width, height, people: new Set(), regions: [] }));
    return e;
  };
  for (const f of repo.realFacesByPhoto()) {
    if (!f.person_name) continue;
    const e = entry(f.photo_id, f.path, f.width, f.height);
    e.people.add(f.person_id!);
    e.regions.push({
      name: f.person_name,
      type: 'Face',
      area: areaFromBox({ x: f.x, y: f.y, width: f.w, height: f.h }, f.width, f.height),
      ...(f.manual ? { drawn: true } : {}),
      ...(f.person_birth_date ? { birthDate: f.person_birth_date } : {}),
    });
  }
  for (const t of repo.tags()) {
    if (!t.person_name) continue;
    const e = entry(t.photo_id, t.path, t.width, t.height);
    e.people.add(t.person_id);
    // The whole photo, as digiKam and Lightroom tag a person without a face; marked visage:NoFace
    // so that Visage tells it from a close-up face, which covers the whole photo too.
    e.regions.push({ name: t.person_name, type: 'Face', area: { ...WHOLE_PHOTO_AREA }, noFace: true, ...(t.person_birth_date ? { birthDate: t.person_birth_date } : {}) });
  }
  const report: XmpWriteReport = { photos: 0, regions: 0, sidecars: [], failed: [] };
  for (const photo of byPhoto.values()) {
    if (opts.personId !== undefined && !photo.people.has(opts.personId)) continue;
    try {
      report.sidecars.push(writeSidecarRegions(photo.path, { dimensions: { w: photo.width, h: photo.height }, regions: photo.regions }));
      report.photos++;
      report.regions += photo.regions.length;
    } catch (e) {
      report.failed.push({ path: photo.path, error: (e as Error).message });
    }
  }
  return report;
}

/**
 * Reads face regions with names from sidecars / embedded XMP and names the matching faces; a
 * region marked visage:NoFace, or another tool's whole-photo region, is a person on the photo
 * without a face (`regionIsNoFace` / `noFaceRegions` in xmp/regions.ts: a whole-area region Visage
 * wrote without the mark is a close-up face); with `draw`, a region Visage wrote for a face drawn
 * by hand that this library lacks is drawn again. One undoable correction.
 */
export async function importXmpRegions(svc: PeopleService, db: Database.Database, draw?: DrawFace): Promise<ImportReport & { photos: number }> {
  const repo = new InteropRepo(db);
  const photos = repo.photosForRegions();
  const plan: ImportPlan = { persons: [], assignments: [], rejections: [], notAFace: [], covers: [], addFaces: [], tags: [] };
  const unmatched: ImportReport['unmatched'] = [];
  const byName = new Map<string, ImportPlan['persons'][number]>();
  const existing = new Map<string, number>();
  for (const p of repo.namedPersons()) {
    if (!existing.has(p.name.toLowerCase())) existing.set(p.name.toLowerCase(), p.id);
  }
  let withRegions = 0;
  for (const photo of photos) {
    if (!existsSync(photo.path)) continue;
    const info = await readPhotoRegions(photo.path).catch(() => null);
    if (!info) continue;
    const faces = repo.facesOfPhoto(photo.id, true);
    const regions = uprightRegions(info, { width: photo.width, height: photo.height, orientation: photo.orientation }).filter(
      (r) => r.type === 'Face' && r.name,
    );
    if (regions.length) withRegions++;
    // A birth date travels with the name (regions Visage wrote); the first one read for a name is
    // kept, and a person who already has one keeps theirs (applyImport).
    const refOf = (name: string, birthDate?: string): string => {
      const key = name.toLowerCase();
      let person = byName.get(key);
      if (!person) {
        const existingId = existing.get(key);
        person = { ref: `n${byName.size}`, name, hidden: false, ...(existingId !== undefined ? { existingId } : {}) };
        byName.set(key, person);
        plan.persons.push(person);
      }
      if (birthDate && !person.birthDate) person.birthDate = birthDate;
      return person.ref;
    };
    // Faces of this library covering the whole photo (close-ups): what an old Visage whole-area region may be.
    const wholePhotoFaces = faces.filter((f) => isWholePhoto(areaFromBox({ x: f.x, y: f.y, width: f.w, height: f.h }, photo.width, photo.height))).length;
    const noFace = noFaceRegions(regions, wholePhotoFaces);
    for (const [i, r] of regions.entries()) {
      if (noFace[i]) {
        plan.tags!.push({ photoId: photo.id, person: refOf(r.name!, r.birthDate) });
        continue;
      }
      const box = boxFromArea(r.area, photo.width, photo.height);
      let best: { id: number; v: number } | null = null;
      for (const f of faces) {
        const v = iou(box, { x: f.x, y: f.y, width: f.w, height: f.h });
        if (v >= 0.3 && (!best || v > best.v)) best = { id: f.id, v };
      }
      if (!best) {
        const face = r.drawn && draw ? await draw(photo.id, boxIn(box, photo, photo)).catch(() => null) : null;
        if (face) plan.addFaces!.push({ photoId: photo.id, face, person: refOf(r.name!, r.birthDate), source: 'user', confirmed: true });
        else unmatched.push({ path: photo.path, box, reason: 'face-not-found' });
        continue;
      }
      plan.assignments.push({ faceId: best.id, person: refOf(r.name!, r.birthDate), source: 'user', confirmed: true });
    }
  }
  // A name names the person its face is in here, not only that face (app/interop/name-tags.ts).
  const tags = resolveNameTags(db, plan);
  const any = plan.assignments.length || plan.addFaces!.length || plan.tags!.length;
  const correction = any ? svc.correct({ kind: 'import', source: 'xmp', plan }) : null;
  return { persons: plan.persons.length, faces: plan.assignments.length + plan.addFaces!.length, unmatched, correction, photos: withRegions, ...tags };
}
