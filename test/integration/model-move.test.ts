/**
 * Moving a library to the default face model from the app (library.reembed, app/engine/handlers/
 * model.ts) through the engine's contract: a real library of dlib-johns photos scanned with the
 * real analyzer on dlib-resnet-v1, corrections made (a name, a merge, a rejection), then the move
 * to mobilefacenet-192: cancelled after its first photo (the library stays on dlib, the work done
 * waits for a resume), resumed to the end with progress events, every face switched, the
 * corrections kept, and a later scan embeds with the new model. Unknown ids are refused. Then a
 * move back to dlib: a person tagged on a photo without a face and a birth date survive it, and a
 * face drawn by hand and undone before it is redone analysed with dlib (never the old vector).
 */
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInfo, CorrectionResult, Events, FaceAdded, FaceInfo, LibraryModelState, LoggedCorrection, PersonSummary, PhotoInfo } from '../../app/contract/contract';
import { InProcessEngine } from '../../app/engine/client';
import type { EngineAnalyzer } from '../../app/engine/analyzer';
import { DEFAULT_EMBEDDER } from '../../app/faces/models/registry';
import { createPipelineAnalyzer } from '../../app/library/pipeline-analyzer';
import { libraryModel, setLibraryModel } from '../../app/store/settings';
import { Store } from '../../app/store/store';
import { PEOPLE, requireDatasets } from '../helpers/paths';

const DLIB = 'dlib-resnet-v1';
const MFN = 'mobilefacenet-192';
const JOHNS = join(PEOPLE, 'dlib-johns');
const WHO = ['John_Salley', 'John_Savage', 'John_Schneider'];

const dir = mkdtempSync(join(tmpdir(), 'visage-model-move-'));
const library = join(dir, 'photos');
const dbPath = join(dir, 'visage.db');
let engine: InProcessEngine;
const events: { event: string; data: unknown }[] = [];
/** Models the face engine was created with, in order (the host re-creates it after the switch). */
const analyzersMade: string[] = [];

/** The model of the library's faces, read as another program would (a read-only connection). */
function facesByModel(): Record<string, number> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT model_id AS m, count(*) AS n FROM faces GROUP BY model_id').all() as { m: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.m, r.n]));
  } finally {
    db.close();
  }
}

function photoFacesModels(pathEnd: string): string[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT f.model_id AS m FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.path LIKE ?').all(`%${pathEnd}`) as { m: string }[]).map((r) => r.m);
  } finally {
    db.close();
  }
}

function next<E extends keyof Events>(event: E, pred: (d: Events[E]) => boolean = () => true, timeoutMs = 240_000): Promise<Events[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const off = engine.onEvent((e, d) => {
      if (e === event && pred(d as Events[E])) {
        clearTimeout(timer);
        off();
        resolve(d as Events[E]);
      }
    });
  });
}

const call = <T>(method: string, params?: unknown) => engine.call(method, params) as Promise<T>;
const modelState = async () => (await call<AppInfo>('app.info')).libraryModel;
const faceIdsOf = (personId: number) => call<number[]>('people.faceIds', { id: personId });

function link(who: string, from: number, to: number): void {
  mkdirSync(join(library, who), { recursive: true });
  for (const f of readdirSync(join(JOHNS, who)).sort().slice(from, to)) symlinkSync(join(JOHNS, who, f), join(library, who, f));
}

beforeAll(async () => {
  requireDatasets();
  for (const w of WHO) link(w, 0, 3);
  // A library scanned before the default changed: its model is dlib.
  const store = Store.open(dbPath);
  setLibraryModel(store.db, DLIB);
  store.close();
  engine = new InProcessEngine({
    dbPath,
    learningService: null,
    progressIntervalMs: 0,
    // As the host's own factory: the real pipeline on the library's model, read when it is created.
    createAnalyzer: async () => {
      const db = new Database(dbPath, { readonly: true });
      const model = libraryModel(db) ?? DEFAULT_EMBEDDER;
      db.close();
      analyzersMade.push(model);
      const a = await createPipelineAnalyzer({ embedder: model, provider: 'cpu', threads: 1 });
      return Object.assign(a, { info: a.pipeline.info as unknown as Record<string, unknown> }) as EngineAnalyzer;
    },
    createReembedder: async (model) => {
      const { FacePipeline } = await import('../../app/faces/pipeline');
      return FacePipeline.create({ embedder: model, provider: 'cpu', threads: 1 });
    },
  });
  engine.onEvent((event, data) => events.push({ event, data }));
  await call('library.addFolder', { path: library });
  const scanned = next('people.changed', (d) => d.reason === 'scan');
  await call('scan.start');
  await scanned;
}, 300_000);

afterAll(async () => {
  await engine?.close();
});

describe('moving a library to the default face model from the app (engine contract, real photos)', () => {
  it('a dlib library offers the move; unknown or non-embedder ids and its own model are refused as bad requests', async () => {
    expect(facesByModel()).toEqual({ [DLIB]: expect.any(Number) });
    const s = await modelState();
    expect(s).toMatchObject({ model: DLIB, defaultModel: MFN, moveAvailable: true, move: null, resumable: null, last: null });
    await expect(call('library.reembed', { model: 'no-such-model' })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringContaining('unknown model "no-such-model"') });
    await expect(call('library.reembed', { model: 'rfb320' })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringContaining('not an embedder') });
    await expect(call('library.reembed', { model: DLIB })).rejects.toMatchObject({ code: 'bad-request', message: `the library already uses ${DLIB}` });
    await expect(call('library.reembed', {})).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('cancelled, then resumed: progress events, every face switched, the name, merge and rejection kept, the next scan embeds with the new model', async () => {
    const faces = Object.values(facesByModel()).reduce((a, b) => a + b, 0);
    expect(faces).toBeGreaterThanOrEqual(8); // 9 one-face photos; the detector may miss one
    const people = (await call<PersonSummary[]>('people.list')).sort((a, b) => b.faceCount - a.faceCount);
    expect(people.length).toBeGreaterThanOrEqual(3);
    const [a, b, c] = people as [PersonSummary, PersonSummary, PersonSummary];
    // The user's decisions: a name, a merge, a face rejected from a person.
    await call<CorrectionResult>('people.correct', { kind: 'name', personId: a.id, name: 'John A' });
    await call<CorrectionResult>('people.correct', { kind: 'merge', targetId: a.id, sourceIds: [b.id] });
    const named = (await faceIdsOf(a.id)).sort();
    expect(named.length).toBe(a.faceCount + b.faceCount);
    const cFaces = await faceIdsOf(c.id);
    const rejected = cFaces[0]!;
    await call<CorrectionResult>('people.correct', { kind: 'reject', faceIds: [rejected], personId: c.id });

    // Cancelled while its model loads: nothing starts, nothing is embedded.
    const loading = call<LibraryModelState>('library.reembed', { model: MFN });
    await call('library.cancelReembed');
    expect(await loading).toMatchObject({ model: DLIB, move: null, resumable: null, last: null });
    expect(events.filter((e) => e.event.startsWith('reembed.'))).toEqual([]);

    // The move, stopped after its first photo: a scan meanwhile is refused (busy).
    let scanDuring: Promise<unknown> | null = null;
    const off = engine.onEvent((e) => {
      if (e !== 'reembed.progress' || scanDuring) return;
      scanDuring = engine.call('scan.start');
      void engine.call('library.cancelReembed');
    });
    const cancelled = next('reembed.finished');
    const started = await call<LibraryModelState>('library.reembed', { model: MFN });
    expect(started.move).toMatchObject({ target: MFN });
    expect(await cancelled).toMatchObject({ target: MFN, outcome: 'cancelled', switched: 0 });
    off();
    await expect(scanDuring).rejects.toMatchObject({ code: 'busy', message: 'wait for the move to another face model to finish (or cancel it) before scanning' });
    // Still on dlib, people as they were; the first photo's faces wait for the resume.
    expect(facesByModel()).toEqual({ [DLIB]: faces });
    const stopped = await modelState();
    expect(stopped).toMatchObject({ model: DLIB, moveAvailable: true, move: null, last: { outcome: 'cancelled' } });
    expect(stopped.resumable).toEqual({ target: MFN, faces: expect.any(Number) });
    const waiting = stopped.resumable!.faces;
    expect(waiting).toBeGreaterThanOrEqual(1);
    expect(waiting).toBeLessThan(faces);
    expect((await call<PersonSummary | null>('people.get', { id: a.id }))?.name).toBe('John A');

    // Resumed: only the rest is embedded, progress to the last photo, then the switch and people.changed.
    const from = events.length;
    const finished = next('reembed.finished');
    const changed = next('people.changed', (d) => d.reason === 'model');
    await call('library.reembed', { model: MFN });
    expect(await finished).toEqual({ target: MFN, outcome: 'switched', switched: faces, failedPhotos: 0, error: null });
    await changed;
    const progress = events.slice(from).filter((e) => e.event === 'reembed.progress').map((e) => e.data as Events['reembed.progress']);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const lastP = progress[progress.length - 1]!;
    expect(lastP).toMatchObject({ target: MFN, resumed: waiting, faces: faces - waiting });
    expect(lastP.done).toBe(lastP.total);
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((x, y) => x - y));

    // Every face on the new model; the library's model, the face engine and the state follow.
    expect(facesByModel()).toEqual({ [MFN]: faces });
    const info = await call<AppInfo>('app.info');
    expect(info.libraryModel).toMatchObject({ model: MFN, defaultModel: MFN, moveAvailable: false, move: null, resumable: null, last: { outcome: 'switched' } });
    expect(info.engine.embedder).toBe(MFN);
    expect(analyzersMade).toEqual([DLIB, MFN]);

    // The corrections hold: the named person has its name and every face it had (the merged ones too)...
    const after = await call<PersonSummary[]>('people.list');
    const johnA = after.filter((p) => p.name === 'John A');
    expect(johnA).toHaveLength(1);
    expect((await faceIdsOf(johnA[0]!.id)).filter((f) => named.includes(f)).sort()).toEqual(named);
    // ... and the rejected face is not back with the faces of the person it was rejected from.
    const personOf = async (id: number) => (await call<FaceInfo | null>('people.face', { id }))?.personId ?? null;
    const rejectedIn = await personOf(rejected);
    for (const f of cFaces.slice(1)) {
      const p = await personOf(f);
      if (p !== null) expect(p).not.toBe(rejectedIn);
    }

    // A new photo scanned now is embedded with the new model.
    link('John_Simm', 0, 1);
    const simm = readdirSync(join(library, 'John_Simm'))[0]!;
    const scanned = next('people.changed', (d) => d.reason === 'scan');
    await call('scan.start');
    await scanned;
    expect(photoFacesModels(simm)).toEqual([MFN]);
    expect(Object.keys(facesByModel())).toEqual([MFN]);
  }, 400_000);

  it('a move back: the no-face tag and the birth date survive it; a drawn face undone before it comes back on redo analysed with the new model', async () => {
    const people = await call<PersonSummary[]>('people.list');
    const johnA = people.find((p) => p.name === 'John A')!;
    const [own] = await call<FaceInfo[]>('people.faces', { id: johnA.id });
    // John A on another person's photo without a face (one face a photo here), his birth date, and a drawn face.
    const [tagged] = await call<FaceInfo[]>('people.faces', { id: people.find((p) => p.id !== johnA.id)!.id });
    expect(tagged!.photoId).not.toBe(own!.photoId);
    await call<CorrectionResult>('people.correct', { kind: 'tag-photo', photoId: tagged!.photoId, personId: johnA.id });
    await call<CorrectionResult>('people.correct', { kind: 'birthday', personId: johnA.id, birthDate: '1960-01-02' });
    const b = own!.box;
    const x = Math.max(0, Math.round(b.x - b.width / 4));
    const y = Math.max(0, Math.round(b.y - b.height / 4));
    const box = { x, y, width: Math.min(Math.round(b.width * 1.5), own!.photoWidth - x), height: Math.min(Math.round(b.height * 1.5), own!.photoHeight - y) };
    const added = await call<FaceAdded>('faces.add', { photoId: own!.photoId, box, personId: johnA.id });
    expect(added.face).toMatchObject({ manual: true, personId: johnA.id });
    expect((await call<LoggedCorrection>('people.undo')).kind).toBe('add-face');
    expect(await call<FaceInfo | null>('people.face', { id: added.face.id })).toBeNull();

    const finished = next('reembed.finished');
    const changed = next('people.changed', (d) => d.reason === 'model');
    await call('library.reembed', { model: DLIB });
    expect(await finished).toMatchObject({ target: DLIB, outcome: 'switched', failedPhotos: 0 });
    await changed;
    const faces = Object.values(facesByModel()).reduce((a, c) => a + c, 0);
    expect(facesByModel()).toEqual({ [DLIB]: faces });
    // The tag and the birth date are the person's still.
    expect((await call<PhotoInfo>('people.photo', { id: tagged!.photoId })).tags).toContainEqual({ personId: johnA.id, name: 'John A' });
    expect((await call<PersonSummary>('people.get', { id: johnA.id })).birthDate).toBe('1960-01-02');

    // Redo: the face drawn (and logged) with mobilefacenet is analysed again with dlib, on its id.
    expect((await call<LoggedCorrection>('people.redo')).kind).toBe('add-face');
    expect(await call<FaceInfo | null>('people.face', { id: added.face.id })).toMatchObject({ manual: true, personId: johnA.id, box });
    expect(facesByModel()).toEqual({ [DLIB]: faces + 1 });
  }, 400_000);
});
