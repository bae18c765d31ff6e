/**
 * `visage add-face --db FILE --photo ID --box x,y,w,h [--person ID] [--json]`: "draw a face by
 * hand" from the command line. The face in the box (full-resolution upright pixels) is analysed
 * like a detected face and stored as a manual face by one undoable 'add-face' correction, put in
 * the person when one is given; without one, the people it most likely is are printed.
 * Exit 2 for a bad box, an unknown photo or person (usage errors).
 */
import { numberFlag, parseArgs, stringFlag, UsageError, type CliCommand } from '../command';
import { MIN_MANUAL_FACE_PX } from '../../contract/contract';
import { InvalidRequestError, NotFoundError } from '../../contract/errors';
import type { Box } from '../../faces/types';
import { analyseDrawnFace, checkBoxInside } from '../../library/drawn-face';
import { createPipelineAnalyzer } from '../../library/pipeline-analyzer';
import { CorrectionError } from '../../people/people-service';
import { resolveDbPath } from '../../platform/paths';
import { openStoreForReading } from '../open-store';
import { peopleServiceFor } from '../people-service';

/** "x,y,w,h" in pixels, each side at least MIN_MANUAL_FACE_PX. */
export function parseBox(raw: string | undefined): Box {
  if (!raw) throw new UsageError('--box x,y,w,h is required (pixels of the photo)');
  const n = raw.split(',').map((s) => Number(s.trim()));
  if (n.length !== 4 || n.some((v) => !Number.isFinite(v) || v < 0)) throw new UsageError(`--box must be four numbers x,y,w,h (pixels), got "${raw}"`);
  const [x, y, width, height] = n as [number, number, number, number];
  if (width < MIN_MANUAL_FACE_PX || height < MIN_MANUAL_FACE_PX) throw new UsageError(`--box: a face box must be at least ${MIN_MANUAL_FACE_PX} px a side`);
  return { x, y, width, height };
}

function positiveId(v: number | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive id`);
  return v;
}

export const command: CliCommand = {
  name: 'add-face',
  summary: 'draw a face by hand: analyse the face in a box of a photo and add it (undoable)',
  usage: 'usage: visage add-face --db FILE --photo ID --box x,y,w,h [--person ID] [--provider P] [--json]',
  async run(args) {
    const p = parseArgs(args, { values: { db: 'string', photo: 'number', box: 'string', person: 'number', provider: 'string' }, booleans: ['json'] });
    if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
    const photoId = positiveId(numberFlag(p, 'photo'), 'photo');
    if (photoId === undefined) throw new UsageError('--photo ID is required');
    const personId = positiveId(numberFlag(p, 'person'), 'person');
    const box = parseBox(stringFlag(p, 'box'));
    const dbPath = resolveDbPath(stringFlag(p, 'db'));
    const store = openStoreForReading(dbPath, 'visage add-face');
    try {
      const svc = peopleServiceFor(store.db, dbPath);
      // Cheap checks before the face engine loads.
      const photo = store.photos.byId(photoId);
      if (!photo) throw new UsageError(`no photo ${photoId}`);
      try {
        checkBoxInside(box, photo.width, photo.height);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      if (personId !== undefined && !svc.getPerson(personId)) throw new UsageError(`no person ${personId}`);
      const engine = await createPipelineAnalyzer({ embedder: svc.model, provider: (stringFlag(p, 'provider') as 'cpu' | undefined) ?? 'cpu' });
      let out;
      try {
        const face = await analyseDrawnFace(store, engine.analyseBox!.bind(engine), photoId, box, svc.model);
        const r = svc.correct({ kind: 'add-face', photoId, face, ...(personId !== undefined ? { personId } : {}) });
        const id = r.faceIds![0]!;
        out = { face: svc.face(id), suggestions: personId === undefined ? svc.suggestPeople(id, 5) : [], correctionId: r.correctionId };
      } catch (e) {
        if (e instanceof InvalidRequestError || e instanceof NotFoundError || e instanceof CorrectionError) throw new UsageError(e.message);
        throw e;
      } finally {
        await engine.close?.();
      }
      if (p.flags.has('json')) process.stdout.write(`${JSON.stringify(out)}\n`);
      else {
        const f = out.face!;
        process.stdout.write(`added face ${f.id} on photo ${photoId} [${f.box.x},${f.box.y} ${f.box.width}x${f.box.height}] quality ${f.quality}${f.personName ? ` as ${f.personName}` : ''}\n`);
        for (const s of out.suggestions) process.stdout.write(`  maybe ${s.name ?? `person ${s.personId}`} (${s.similarity.toFixed(3)})\n`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
