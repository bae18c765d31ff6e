/**
 * The "Export people" file: a versioned JSON document with everything the user taught Visage
 * about the people in a library, so that it can be restored into another (or a rebuilt) library:
 *
 * - persons: id, name, hidden, cover face, birth date (format version 2 on; version 1 files, which
 *   have none, still import);
 * - faces: which face (photo path + the photo's content hash + the face box in upright pixels)
 *   belongs to which person, whether the user or the machine put it there, confirmed or not, and
 *   faces the user marked "not a face" or drew by hand (`manual`);
 * - tags: people on photos without a visible face;
 * - corrections: the append-only log (when, what, undone), as the people service records it.
 *
 * Ids in the file are the exporting library's; they only link records within the file. On import a
 * face is found again by its photo's content hash (so moved or renamed photos, and other machines'
 * mount points, still match), then by path, and then by its box (`matchFace`): embeddings are not
 * exported (they are recomputed from the photos, and may come from a different model).
 *
 * `parsePeopleFile` / `readPeopleFile` validate the structure (zod) and the references between
 * records and refuse files from a newer format version; `serializePeopleFile` / `writePeopleFile`
 * validate before writing (atomically). The wiring to the people service lives in
 * app/people/export.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isoDate } from '../contract/contract';
import { writeFileAtomic } from '../platform/atomic-file';

export const PEOPLE_FILE_FORMAT = 'visage-people';
/**
 * The version written. 2 added persons' birth dates, the birthday / hide-small corrections, faces
 * drawn by hand (`manual`), people on photos without a face (`tags`) and their corrections; 3 the
 * not-same correction ("Same person?" answered No; its cannot-links travel as the faces' `rejected`).
 */
export const PEOPLE_FILE_VERSION = 3;
/** Every version this Visage reads (a version 1 file is a version 2 file without birth dates; 2 is 3 without not-same). */
const READ_VERSIONS = [1, 2, 3] as const;
/** Suggested file extension. */
export const PEOPLE_FILE_EXTENSION = '.visage-people.json';

const id = z.number().int().positive();
const ids = z.array(id).min(1);

export const BoxSchema = z.object({
  x: z.number().finite(),
  y: z.number().finite(),
  width: z.number().finite().positive(),
  height: z.number().finite().positive(),
});

export const PhotoRefSchema = z.object({
  /** Absolute path on the exporting machine. */
  path: z.string().min(1),
  /** sha1 of the file's bytes (hex), as in the library's photos.hash. */
  hash: z.string().regex(/^[0-9a-f]{40}$/, 'a sha1 hex digest'),
  /** Upright size (after EXIF orientation): the frame the box refers to. */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

export const PersonSchema = z.object({
  id,
  name: z.string().max(500).nullable(),
  hidden: z.boolean(),
  /** A face id of this file (the person's cover), or null for the automatic choice. */
  cover: id.nullable(),
  createdAt: z.string().min(1).optional(),
  /** Birth date 'YYYY-MM-DD' (version 2 on; absent or null: unknown). */
  birthDate: isoDate.nullable().optional(),
});

export const FaceSchema = z.object({
  id,
  photo: PhotoRefSchema,
  /** Upright full-resolution pixels: top-left x/y, width, height. */
  box: BoxSchema,
  /** Person id of this file, or null (unassigned or "not a face"). */
  person: id.nullable(),
  /** Who put the face in the person: 'user' decisions are never moved by the machine. */
  source: z.enum(['user', 'machine']).nullable(),
  confirmed: z.boolean(),
  /** The user said this detection is not a face. */
  notAFace: z.boolean().optional(),
  /** Persons (ids of this file) the user said this face is not: permanent "not this person". */
  rejected: z.array(id).optional(),
  /** Embedder that produced the face in the exporting library (informational). */
  model: z.string().optional(),
  /**
   * Drawn by the user ("draw a face by hand"); a library that lacks it draws it again from the box
   * (analysed by its own face engine) on import.
   */
  manual: z.boolean().optional(),
});

/** A person on a photo without a visible face. */
export const TagSchema = z.object({
  photo: PhotoRefSchema,
  /** Person id of this file. */
  person: id,
});

/** One correction as the user made it (mirrors `Correction` in app/people/service-types.ts). */
export const CorrectionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('name'), personId: id, name: z.string().max(500).nullable() }),
  z.object({ kind: z.literal('merge'), targetId: id, sourceIds: ids }),
  z.object({ kind: z.literal('split'), faceIds: ids, name: z.string().max(500).nullable().optional() }),
  z.object({ kind: z.literal('move'), faceIds: ids, personId: id }),
  z.object({ kind: z.literal('reject'), faceIds: ids, personId: id }),
  z.object({ kind: z.literal('confirm'), faceIds: ids, personId: id }),
  z.object({ kind: z.literal('hide'), personId: id, hidden: z.boolean() }),
  z.object({ kind: z.literal('cover'), personId: id, faceId: id }),
  z.object({ kind: z.literal('not-a-face'), faceIds: ids }),
  z.object({ kind: z.literal('birthday'), personId: id, birthDate: isoDate.nullable() }),
  z.object({ kind: z.literal('hide-small'), maxPhotos: z.number().int().positive() }),
  // The drawn face's analysis is kept by the face entry (manual), not by its history entry.
  z.object({ kind: z.literal('add-face'), photoId: id, personId: id.optional(), face: z.unknown().optional() }),
  z.object({ kind: z.literal('tag-photo'), photoId: id, personId: id.optional(), name: z.string().max(500).optional() }),
  z.object({ kind: z.literal('untag-photo'), photoId: id, personId: id }),
  z.object({ kind: z.literal('not-same'), a: id, b: id }),
]);

export const CorrectionEntrySchema = z.object({
  id,
  /** ISO 8601 time of the correction. */
  at: z.iso.datetime({ offset: true }),
  correction: CorrectionSchema,
  undone: z.boolean(),
});

export const PeopleFileSchema = z.object({
  format: z.literal(PEOPLE_FILE_FORMAT),
  version: z.union(READ_VERSIONS.map((v) => z.literal(v))),
  exportedAt: z.iso.datetime({ offset: true }),
  app: z.object({ name: z.string(), version: z.string() }),
  persons: z.array(PersonSchema),
  faces: z.array(FaceSchema),
  /** People on photos without a face (absent in files written before Visage had them). */
  tags: z.array(TagSchema).optional(),
  corrections: z.array(CorrectionEntrySchema),
});

export type PeopleFile = z.infer<typeof PeopleFileSchema>;
export type PeopleFilePerson = z.infer<typeof PersonSchema>;
export type PeopleFileFace = z.infer<typeof FaceSchema>;
export type PeopleFileTag = z.infer<typeof TagSchema>;
export type PeopleFileCorrection = z.infer<typeof CorrectionEntrySchema>;
export type PeopleFileBox = z.infer<typeof BoxSchema>;

export class PeopleFileError extends Error {
  constructor(
    message: string,
    /** Each problem as "path: message", e.g. "faces.3.person: unknown person 12". */
    readonly issues: string[] = [],
  ) {
    super(issues.length ? `${message}:\n  ${issues.slice(0, 20).join('\n  ')}${issues.length > 20 ? `\n  (${issues.length - 20} more)` : ''}` : message);
    this.name = 'PeopleFileError';
  }
}

/** References between records: unique ids, faces' persons exist, covers are the person's faces. */
export function referenceIssues(file: PeopleFile): string[] {
  const issues: string[] = [];
  const persons = new Map<number, number>();
  file.persons.forEach((p, i) => {
    if (persons.has(p.id)) issues.push(`persons.${i}.id: duplicate person id ${p.id}`);
    persons.set(p.id, i);
  });
  const faces = new Map<number, PeopleFileFace>();
  file.faces.forEach((f, i) => {
    if (faces.has(f.id)) issues.push(`faces.${i}.id: duplicate face id ${f.id}`);
    faces.set(f.id, f);
    if (f.person !== null && !persons.has(f.person)) issues.push(`faces.${i}.person: unknown person ${f.person}`);
    if (f.person !== null && f.source === null) issues.push(`faces.${i}.source: a face in a person needs a source`);
    if (f.notAFace && f.person !== null) issues.push(`faces.${i}: a face marked "not a face" cannot belong to a person`);
    if (f.box.x + f.box.width <= 0 || f.box.y + f.box.height <= 0 || f.box.x >= f.photo.width || f.box.y >= f.photo.height) {
      issues.push(`faces.${i}.box: outside its ${f.photo.width}x${f.photo.height} photo`);
    }
  });
  (file.tags ?? []).forEach((t, i) => {
    if (!persons.has(t.person)) issues.push(`tags.${i}.person: unknown person ${t.person}`);
  });
  file.persons.forEach((p, i) => {
    if (p.cover === null) return;
    const face = faces.get(p.cover);
    if (!face) issues.push(`persons.${i}.cover: unknown face ${p.cover}`);
    else if (face.person !== p.id) issues.push(`persons.${i}.cover: face ${p.cover} is not one of this person's faces`);
  });
  const seen = new Set<number>();
  file.corrections.forEach((c, i) => {
    if (seen.has(c.id)) issues.push(`corrections.${i}.id: duplicate correction id ${c.id}`);
    seen.add(c.id);
  });
  // Corrections may name faces and persons that are gone (deleted photos, merged persons): the log
  // is history, and the importer skips entries whose faces cannot be found.
  return issues;
}

/** Validates a parsed JSON value; returns the typed file or throws PeopleFileError. */
export function validatePeopleFile(value: unknown): PeopleFile {
  if (typeof value === 'object' && value !== null) {
    const v = value as { format?: unknown; version?: unknown };
    if (v.format !== PEOPLE_FILE_FORMAT) throw new PeopleFileError(`not a Visage people file (format is ${JSON.stringify(v.format)}, expected "${PEOPLE_FILE_FORMAT}")`);
    if (typeof v.version === 'number' && v.version > PEOPLE_FILE_VERSION) {
      throw new PeopleFileError(`this people file has format version ${v.version}, made by a newer Visage; this Visage reads up to version ${PEOPLE_FILE_VERSION}. Update Visage to import it`);
    }
  } else {
    throw new PeopleFileError('not a Visage people file (not a JSON object)');
  }
  const r = PeopleFileSchema.safeParse(value);
  if (!r.success) {
    throw new PeopleFileError('invalid people file', r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`));
  }
  const refs = referenceIssues(r.data);
  if (refs.length) throw new PeopleFileError('invalid people file', refs);
  return r.data;
}

/** Parses and validates the text of a people file. */
export function parsePeopleFile(text: string): PeopleFile {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new PeopleFileError(`not a Visage people file (not JSON: ${(e as Error).message})`);
  }
  return validatePeopleFile(value);
}

export function readPeopleFile(file: string): PeopleFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PeopleFileError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return parsePeopleFile(text);
}

/** Validated, stable, human-readable JSON (2-space indent, trailing newline). */
export function serializePeopleFile(data: PeopleFile): string {
  return `${JSON.stringify(validatePeopleFile(data), null, 2)}\n`;
}

/** Writes the file atomically (a crash leaves the old file or the new one). */
export function writePeopleFile(file: string, data: PeopleFile): void {
  const text = serializePeopleFile(data);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, text);
}

/** Skeleton of a new file (the exporter fills persons, faces, corrections). */
export function emptyPeopleFile(appVersion: string, now = new Date()): PeopleFile {
  return { format: PEOPLE_FILE_FORMAT, version: PEOPLE_FILE_VERSION, exportedAt: now.toISOString(), app: { name: 'Visage', version: appVersion }, persons: [], faces: [], corrections: [] };
}

export function boxIou(a: PeopleFileBox, b: PeopleFileBox): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

export interface LibraryFace {
  id: number;
  box: PeopleFileBox;
  /** Upright size of the photo the box refers to. */
  photoWidth: number;
  photoHeight: number;
}

/**
 * The library face that is the file's face: among the faces of the photo with the same content
 * hash, the one whose box overlaps most (IoU >= minIou, default 0.5, after scaling when the
 * library saw the photo at another size). Null when none does.
 */
export function matchFace(fileFace: PeopleFileFace, candidates: readonly LibraryFace[], minIou = 0.5): number | null {
  let best: { id: number; iou: number } | null = null;
  for (const c of candidates) {
    const sx = c.photoWidth / fileFace.photo.width;
    const sy = c.photoHeight / fileFace.photo.height;
    const scaled = { x: fileFace.box.x * sx, y: fileFace.box.y * sy, width: fileFace.box.width * sx, height: fileFace.box.height * sy };
    const iou = boxIou(scaled, c.box);
    if (iou >= minIou && (!best || iou > best.iou)) best = { id: c.id, iou };
  }
  return best?.id ?? null;
}
