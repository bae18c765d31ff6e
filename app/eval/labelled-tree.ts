/**
 * The labelled faces of an indexed `<identity>/<image>` tree (eval-clusters, eval-learning,
 * eval-user): one face per image, labelled with the image's top folder under DIR. The label names
 * the person the picture was collected for, not always its largest or most central face (a match
 * photo with a team mate in front, a child on a lap: people-wild's README). So an image with
 * several faces, of an identity with at least MIN_ANCHORS images that show one face only, has as
 * its subject the face whose mean cosine to those one-face images' faces is highest (the README's
 * "the face that best matches the label"). Otherwise (one face; too few one-face images, as for
 * most LFW identities) the subject is the largest face whose box covers the image centre (LFW
 * crops are centred on the subject, where a bystander's face can be the larger one), else the
 * largest face. Measured on sports-celebs: the two rules differ on 51 of its many-face images;
 * dlib's and MobileFaceNet's vectors pick the same face in 137 of 146 (docs/clustering.md).
 * `labelledTree` adds what that leaves out: images with no face found, and the other (bystander)
 * faces.
 */
import type Database from 'better-sqlite3';
import { basename, dirname, relative, sep } from 'node:path';
import { cosineInt8 } from '../faces/quantize';
import { EvaluationRepo } from '../store/evaluation-repo';

/**
 * One-face images an identity needs before its many-face images' subjects are chosen by likeness.
 * Unit: images; range >= 1. Set, not tuned: enough that one mislabelled photo cannot decide.
 */
export const MIN_ANCHORS = 3;

export interface LabelledFace {
  faceId: number;
  identity: string;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The subject among an image's faces (see the module comment); null for none. */
export function subjectFace<T extends Box>(faces: readonly T[], width: number, height: number): T | null {
  const cx = width / 2;
  const cy = height / 2;
  const largest = (list: readonly T[]) => list.reduce<T | null>((best, f) => (!best || f.w * f.h > best.w * best.h ? f : best), null);
  const central = faces.filter((f) => f.x <= cx && cx <= f.x + f.w && f.y <= cy && cy <= f.y + f.h);
  return largest(central) ?? largest(faces);
}

/** An image of the tree where no face was found (or that could not be read): its subject is in no album. */
export interface MissedImage {
  path: string;
  identity: string;
  /** 'no-face', or the scan's error code for a file that could not be read. */
  reason: string;
}

/** A face in a labelled image that is not its subject (someone in the background). */
export interface BystanderFace {
  faceId: number;
  /** The label of the image it is in (not this face's identity, which is unknown). */
  imageIdentity: string;
}

export interface LabelledTree {
  faces: LabelledFace[];
  missed: MissedImage[];
  bystanders: BystanderFace[];
}

function identityOf(dataDir: string, path: string): string | null {
  const rel = relative(dataDir, path);
  if (rel.startsWith('..')) return null;
  return rel.includes(sep) ? rel.split(sep)[0]! : basename(dirname(path));
}

/**
 * Everything the labelled tree says about an indexed library: the subject face of each image, the
 * images where none was found (or that failed to index), and the other faces of labelled images.
 */
export function labelledTree(db: Database.Database, dataDir: string): LabelledTree {
  const faces = labelledFaces(db, dataDir);
  const subjects = new Set(faces.map((f) => f.faceId));
  const missed: MissedImage[] = [];
  const repo = new EvaluationRepo(db);
  for (const path of repo.photosWithoutFaces()) {
    const identity = identityOf(dataDir, path);
    if (identity !== null) missed.push({ path, identity, reason: 'no-face' });
  }
  for (const r of repo.fileErrors()) {
    const identity = identityOf(dataDir, r.path);
    if (identity !== null) missed.push({ path: r.path, identity, reason: r.code });
  }
  const bystanders: BystanderFace[] = [];
  for (const r of repo.facePaths()) {
    if (subjects.has(r.id)) continue;
    const identity = identityOf(dataDir, r.path);
    if (identity !== null) bystanders.push({ faceId: r.id, imageIdentity: identity });
  }
  return { faces, missed, bystanders };
}

export function labelledFaces(db: Database.Database, dataDir: string): LabelledFace[] {
  const rows = new EvaluationRepo(db).facesWithPhotos();
  const images: { identity: string; faces: typeof rows; width: number; height: number }[] = [];
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j < rows.length && rows[j]!.photo_id === rows[i]!.photo_id) j++;
    const first = rows[i]!;
    const faces = rows.slice(i, j);
    i = j;
    const identity = identityOf(dataDir, first.path);
    if (identity !== null) images.push({ identity, faces, width: first.width, height: first.height });
  }
  const vec = (b: Buffer) => new Int8Array(b.buffer, b.byteOffset, b.byteLength);
  const anchors = new Map<string, Int8Array[]>();
  for (const im of images) {
    if (im.faces.length !== 1) continue;
    const list = anchors.get(im.identity);
    if (list) list.push(vec(im.faces[0]!.embedding));
    else anchors.set(im.identity, [vec(im.faces[0]!.embedding)]);
  }
  const out: LabelledFace[] = [];
  for (const im of images) {
    const a = anchors.get(im.identity) ?? [];
    let subject = subjectFace(im.faces, im.width, im.height)!;
    if (im.faces.length > 1 && a.length >= MIN_ANCHORS) {
      const likeness = (f: (typeof rows)[number]) => {
        const v = vec(f.embedding);
        let s = 0;
        for (const x of a) s += cosineInt8(v, x);
        return s / a.length;
      };
      let best = -Infinity;
      for (const f of im.faces) {
        const l = likeness(f);
        if (l > best) [best, subject] = [l, f];
      }
    }
    out.push({ faceId: subject.id, identity: im.identity });
  }
  return out;
}
