/**
 * The one request/reply/event contract between the UI and the engine, shared by the Electron main
 * process, the preload, the renderer, the browser-mode server, the CLI and the tests.
 *
 * - A request is `{ id, method, params }`; `params` is validated with the method's zod schema by
 *   whoever receives it from a less trusted side (main from the renderer, the server from the
 *   browser, the engine host from its port).
 * - A reply is `{ id, ok: true, result }` or `{ id, ok: false, error: { code, message } }`.
 * - Events flow engine -> UI: `{ event, data }` (scan progress, file errors, people changes).
 *
 * This module has no Node or Electron imports: the renderer imports it too (types and schemas).
 */
import { z } from 'zod';
import type { MachineFaultInfo } from './faults';
import type { BackupChoice, RecoveryInfo, RestoreOutcome } from './recovery';
import type { ScanProgress } from './scan';
import type { LibraryModelState, ModelMoveOutcome, ModelMoveProgress } from './model';
import type {
  ClusterStats,
  CorrectionResult,
  FaceInfo,
  FaceSuggestion,
  LoggedCorrection,
  MergeQueue,
  MergeSuggestion,
  PersonPhoto,
  PersonSuggestion,
  PersonSummary,
  PhotoInfo,
} from './people';
import { PEOPLE_FILTERS, PEOPLE_SORTS } from './people';
import type { ChangedPerson, HeadSummary, HeldBackCheck, HeldOutFigures, LearningChanges, LearningSummary, ReprojectProgress, TrainOutcome, TrainProgress } from './learning';

export type { ScanProgress };
export type { LibraryModelState, ModelMoveOutcome, ModelMoveProgress };
export type { BackupChoice, RecoveryInfo, RestoreOutcome };
export type { ChangedPerson, HeadSummary, HeldBackCheck, HeldOutFigures, LearningChanges, LearningSummary, ReprojectProgress, TrainOutcome, TrainProgress };
export type { ClusterStats, CorrectionResult, FaceInfo, FaceSuggestion, LoggedCorrection, MergeQueue, MergeSuggestion, PersonPhoto, PersonSuggestion, PersonSummary, PhotoInfo };
export type { Correction, PeopleFilter, PeopleListOptions, PeopleSort } from './people';
export { PEOPLE_FILTERS, PEOPLE_SORTS };

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const ids = z.array(id).min(1).max(100_000);
const name = z.string().trim().min(1).max(200);
const none = z.object({}).strict().optional();
const page = z.object({ offset: z.number().int().min(0).max(10_000_000).optional(), limit: z.number().int().min(1).max(5000).optional() });
const k = z.number().int().min(1).max(100).optional();
/** An absolute folder path (Unix, Windows drive or UNC); no NUL bytes. */
export const folderPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), 'must be an absolute path');

/** An absolute file path (same rules as folderPath). */
export const filePath = folderPath;
/** A learned head's id, e.g. 'dlib-resnet-v1/head-3' ('base' = the network's own embedding). */
export const headId = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'not a head id');
/** The largest people file accepted for import (bytes of JSON text). */
export const MAX_PEOPLE_FILE_BYTES = 64 * 1024 * 1024;
/** A label for where imported decisions came from (a file name), shown in the corrections list. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const sourceLabel = z.string().trim().min(1).max(200).refine((s) => !/[\0-\x1f]/.test(s), 'control characters');

/** A calendar date 'YYYY-MM-DD' that exists (no 2023-02-30), from year 1000 on. */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && s >= '1000-01-01';
  }, 'not a calendar date');

/** "Ignore faces smaller than N pixels": 0 (none ignored) .. 2000 px (MAX_MIN_FACE_PIXELS in app/store/face-visibility.ts). */
export const minFacePixels = z.number().int().min(0).max(2000);

/** "Hide unnamed people with at most N photos": 1 .. 1000 photos. */
export const maxPhotos = z.number().int().min(1).max(1000);

export const strictness = z.enum(['loose', 'normal', 'strict']);
export type Strictness = z.infer<typeof strictness>;

export const correctionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('name'), personId: id, name: name.nullable() }).strict(),
  z.object({ kind: z.literal('merge'), targetId: id, sourceIds: ids }).strict(),
  z.object({ kind: z.literal('split'), faceIds: ids, name: name.nullable().optional() }).strict(),
  z.object({ kind: z.literal('move'), faceIds: ids, personId: id }).strict(),
  z.object({ kind: z.literal('reject'), faceIds: ids, personId: id }).strict(),
  z.object({ kind: z.literal('confirm'), faceIds: ids, personId: id }).strict(),
  z.object({ kind: z.literal('hide'), personId: id, hidden: z.boolean() }).strict(),
  z.object({ kind: z.literal('cover'), personId: id, faceId: id }).strict(),
  z.object({ kind: z.literal('not-a-face'), faceIds: ids }).strict(),
  z.object({ kind: z.literal('birthday'), personId: id, birthDate: isoDate.nullable() }).strict(),
  z.object({ kind: z.literal('hide-small'), maxPhotos }).strict(),
  z
    .object({ kind: z.literal('tag-photo'), photoId: id, personId: id.optional(), name: name.optional() })
    .strict()
    .refine((c) => (c.personId === undefined) !== (c.name === undefined), 'give either personId or name (a new person)'),
  z.object({ kind: z.literal('untag-photo'), photoId: id, personId: id }).strict(),
  // 'add-face' is not here: it carries the face's analysis, which only the engine makes (faces.add).
  z.object({ kind: z.literal('not-same'), a: id, b: id }).strict(),
]);

/**
 * Smallest side of a face the user draws, in full-resolution pixels: below it the 68 landmarks
 * (found on a 112 px crop) and the 150 px alignment chip are made of a few upsampled pixels and the
 * embedding means little; the detector's own smallest faces (RFB-320 on tiles) are about this size.
 */
export const MIN_MANUAL_FACE_PX = 16;
/** Largest photo side a box may name (the largest accepted photo, 250 MP, is under 2^17 px a side). */
const MAX_PHOTO_SIDE_PX = 1 << 17;
const px = z.number().finite().min(0).max(MAX_PHOTO_SIDE_PX);
const side = z.number().finite().min(MIN_MANUAL_FACE_PX, `a face box must be at least ${MIN_MANUAL_FACE_PX} px a side`).max(MAX_PHOTO_SIDE_PX);
/** A box the user drew, in full-resolution upright pixels of the photo (inside it: checked by the engine). */
export const drawnBox = z.object({ x: px, y: px, width: side, height: side }).strict();

/** Every method the engine answers, with its params schema. */
export const engineMethods = {
  'app.info': none,
  'library.state': none,
  'library.addFolder': z.object({ path: folderPath }).strict(),
  'library.removeFolder': z.object({ path: folderPath }).strict(),
  /** Why the library was refused (damaged, newer) and the backups that can be put back. */
  'library.recovery': none,
  /** Puts one of library.recovery's backups in place of a refused library, then opens it. */
  'library.restore': z.object({ file: filePath }).strict(),
  /**
   * Moves the library to another face model (an embedder id of the registry; others are refused):
   * a job, progress as reembed.progress events, reembed.finished at the end; the library stays on
   * its model until the switch, and a stopped move resumes where it stopped.
   */
  'library.reembed': z.object({ model: z.string().min(1).max(64) }).strict(),
  /** Stops the running move (the work done is kept for a resume); the library stays on its model. */
  'library.cancelReembed': none,
  'scan.start': none,
  'scan.pause': none,
  'scan.resume': none,
  'scan.cancel': none,
  'scan.state': none,
  /** People in the People page's order and filter (app/people/people-list-order.ts); default: named first, not hidden. */
  'people.list': z
    .object({ includeHidden: z.boolean().optional(), query: z.string().max(200).optional(), sort: z.enum(PEOPLE_SORTS).optional(), filter: z.enum(PEOPLE_FILTERS).optional() })
    .strict()
    .optional(),
  'people.get': z.object({ id }).strict(),
  'people.faces': page.extend({ id }).strict(),
  /** Every face id of a person, in people.faces' order (for virtualised lists and selections of faces not loaded yet). */
  'people.faceIds': z.object({ id }).strict(),
  /**
   * The distinct photos of a person's faces, newest taken first (undated last), then by path;
   * offset/limit page them (no limit: all of them).
   */
  'people.photos': page.extend({ id }).strict(),
  /** Every photo id of a person, in people.photos' order (its length is the person's photo count). */
  'people.photoIds': z.object({ id }).strict(),
  /**
   * Photos of people together: showing every one of `personIds`; with `only`, no other (not
   * hidden) person either (strangers in no person do not count). In people.photos' order.
   */
  'people.photosTogether': page.extend({ personIds: z.array(id).min(2).max(20), only: z.boolean().optional() }).strict(),
  'people.unassigned': page.strict().optional(),
  'people.suggestionGroups': z.object({ limit: z.number().int().min(1).max(2000).optional() }).strict().optional(),
  'people.photo': z.object({ id }).strict(),
  'people.face': z.object({ id }).strict(),
  'people.suggestPeople': z.object({ faceId: id, k }).strict(),
  'people.suggestFaces': z.object({ personId: id, k }).strict(),
  'people.similar': z.object({ personId: id, k }).strict(),
  /** "Same person?": pairs of people most likely one person, best first (app/people/merge-queue.ts), and the count. */
  'people.suggestMerges': z.object({ limit: z.number().int().min(1).max(1000).optional() }).strict().optional(),
  /** Answers one "Same person?" question: yes merges the two (a merge correction), no records a not-same correction. */
  'people.answerMerge': z.object({ a: id, b: id, same: z.boolean() }).strict(),
  'people.correct': correctionSchema,
  'people.undo': none,
  'people.redo': none,
  'people.history': z.object({ limit: z.number().int().min(1).max(1000).optional() }).strict().optional(),
  'people.recluster': none,
  /**
   * "Draw a face by hand": the face in a box the user drew on a photo, analysed like a detected
   * face (landmarks, alignment, embedding), stored as a manual face (one undoable 'add-face'
   * correction), optionally put in a person at once.
   */
  'faces.add': z.object({ photoId: id, box: drawnBox, personId: id.optional() }).strict(),
  'settings.set': z.object({ strictness: strictness.optional(), minFacePixels: minFacePixels.optional() }).strict(),
  /** "Learn from my corrections": what it will use, the running/last job, the heads. */
  'learning.state': none,
  /** Starts a training job (one at a time); progress comes as learning.progress events. */
  'learning.start': none,
  'learning.cancel': none,
  /**
   * Makes an earlier head (or 'base') the active one; answers once faces are re-projected (in
   * chunks: learning.reprojecting events) and people re-grouped.
   */
  'learning.rollback': z.object({ headId }).strict(),
  /** Writes named faces as MWG regions to XMP sidecars (all photos, or one person's). */
  'xmp.write': z.object({ personId: id.optional() }).strict().optional(),
  /** Names faces from MWG regions in sidecars / embedded XMP (one undoable correction). */
  'xmp.read': none,
  /**
   * The people file. Internal (hosts only, never the renderer): the desktop shell passes a path
   * the user chose in a native dialog; browser mode downloads the text (GET /api/people-file)
   * or uploads it (POST /api/people-file).
   */
  'people.export': z.object({ path: filePath }).strict().optional(),
  'people.import': z.union([
    z.object({ path: filePath }).strict(),
    z.object({ text: z.string().min(1).max(MAX_PEOPLE_FILE_BYTES), source: sourceLabel }).strict(),
  ]),
  /** Where a media file lives (used by the protocol/HTTP handlers, never by the renderer). */
  'media.resolve': z.object({ kind: z.enum(['face', 'photo', 'thumb']), id }).strict(),
} as const;

/** Methods only the desktop shell answers (native dialogs); browser mode has none of them. */
export const shellMethods = {
  'shell.chooseFolder': none,
  /** Save dialog, then people.export to the chosen file; null when cancelled. */
  'shell.exportPeople': none,
  /** Open dialog, then people.import of the chosen file; null when cancelled. */
  'shell.importPeople': none,
} as const;

export type EngineMethod = keyof typeof engineMethods;
export type ShellMethod = keyof typeof shellMethods;
export type Method = EngineMethod | ShellMethod;
/** Methods the renderer may call (media.resolve and the people file's paths are internal to the hosts). */
export type UiMethod = Exclude<Method, 'media.resolve' | 'people.export' | 'people.import'>;
export const UI_BLOCKED_METHODS: ReadonlySet<string> = new Set(['media.resolve', 'people.export', 'people.import']);

type Schemas = typeof engineMethods & typeof shellMethods;
/** A method's params as a caller writes them (the zod input type of its schema). */
export type Params<M extends Method> = z.input<Schemas[M]>;
/** A method's params once its schema has parsed them (the zod output type): what handlers receive. */
export type ParsedParams<M extends Method> = z.output<Schemas[M]>;
/** A request that passed validateRequest: a known method and its parsed params. */
export interface ValidRequest<M extends Method = Method> {
  method: M;
  params: ParsedParams<M>;
}

/** Every schema by method, typed by its parsed params (so that parseParams needs no cast). */
const schemas: { readonly [M in Method]: z.ZodType<ParsedParams<M>> } = { ...engineMethods, ...shellMethods };

export interface Folder {
  path: string;
  /** False when the folder is gone or unreadable right now (unplugged drive). */
  available: boolean;
  photos: number;
}

export interface FailedFile {
  path: string;
  code: string;
  message: string;
}

export interface ScanState {
  running: boolean;
  paused: boolean;
  progress: ScanProgress | null;
  /** Files that failed (this scan's, else the library's known errors), newest last. */
  failed: FailedFile[];
  /** When the last scan finished (ISO), null if none. */
  lastFinishedAt: string | null;
  /**
   * The machine fault that stopped the last scan (full disk, read-only or locked library, a folder
   * gone offline): one sentence to show as it is; null once a scan starts again or ends well.
   */
  fault: MachineFaultInfo | null;
}

export interface LibraryState {
  dbPath: string;
  folders: Folder[];
  photos: number;
  faces: number;
  people: number;
  errors: number;
  scan: ScanState;
  settings: Settings;
  /** False until the people service is available in this build. */
  peopleAvailable: boolean;
  /** True while faces are being grouped into people ("Re-group everyone", or new faces at opening). */
  grouping?: boolean;
}

export interface Settings {
  strictness: Strictness;
  /** "Ignore faces smaller than N pixels" (the larger side of a face's box); 0: none ignored. */
  minFacePixels: number;
}

export interface AppInfo {
  version: string;
  mode: 'electron' | 'browser';
  engine: { ready: boolean; provider: string | null; embedder: string | null; detector: string | null; landmarks: string | null; error: string | null };
  /** Photos per second of the last scan (measured speed), null if none yet. */
  scanRate: number | null;
  models: { id: string; kind: string; inUse: boolean }[];
  dbPath: string;
  /** The library's face model and its move to the default (Settings, "Face model"). */
  libraryModel: LibraryModelState;
}

export interface SuggestionGroup {
  personId: number;
  name: string | null;
  coverFaceId: number | null;
  faces: { face: FaceInfo; similarity: number }[];
}

export interface SuggestionGroups {
  groups: SuggestionGroup[];
  /** Unassigned faces with no likely person. */
  unknown: FaceInfo[];
  total: number;
}

export interface MediaLocation {
  file: string;
  contentType: string;
}

/** The state of "Learn from my corrections". */
export interface LearningJob {
  running: boolean;
  /** When the running (or last) job started (ISO), null if none yet. */
  startedAt: string | null;
  /** Epochs of the running (or last) job so far. */
  progress: TrainProgress[];
  /** The last finished job's outcome (null while running, after a cancel or an error). */
  outcome: TrainOutcome | null;
  cancelled: boolean;
  error: string | null;
}

export interface LearningState {
  /** False when learning is not available in this build (or the library has no people service). */
  available: boolean;
  summary: LearningSummary | null;
  job: LearningJob;
  /**
   * Faces being moved to a newly active head (after adoption or a roll back, or resumed at start
   * when the engine stopped before it was done), null when none: meanwhile some faces still carry
   * the previous head's (comparable) vectors.
   */
  reprojecting: ReprojectProgress | null;
}

export interface RollbackResult {
  active: HeadSummary;
  people: ClusterStats;
}

/** What "Export people" wrote. */
export interface PeopleExport {
  /** The file written (null when the text was returned instead). */
  file: string | null;
  persons: number;
  faces: number;
  corrections: number;
  /** The file's text (browser mode's download), absent when written to a file. */
  text?: string;
}

/** What an import did (one undoable correction; null correction when there was nothing to apply). */
export interface PeopleImport {
  persons: number;
  faces: number;
  unmatched: { path: string; box: { x: number; y: number; width: number; height: number }; reason: 'photo-not-found' | 'face-not-found' }[];
  correction: CorrectionResult | null;
  /** xmp.read: photos that had named face regions. */
  photos?: number;
  /** Unnamed people that took the name their tagged faces carry (the whole person named). */
  named?: { personId: number; name: string }[];
  /** Unnamed people merged whole into the person who already had their tags' name (null: one new in this import). */
  merged?: { personId: number; intoId: number | null; name: string }[];
  /** People whose tags disagreed (or disagreed with their name): only the tagged faces moved, the rest stayed. */
  conflicts?: { personId: number; personName: string | null; names: string[]; faceIds: number[] }[];
}

export interface XmpWrite {
  photos: number;
  regions: number;
  sidecars: string[];
  failed: { path: string; error: string }[];
}

/** What faces.add did: the new face, who it may be (when no person was given), the log entry. */
export interface FaceAdded {
  face: FaceInfo;
  suggestions: PersonSuggestion[];
  correctionId: number;
}

export interface Results {
  'app.info': AppInfo;
  'library.state': LibraryState;
  'library.addFolder': LibraryState;
  'library.removeFolder': LibraryState;
  'library.recovery': RecoveryInfo;
  'library.restore': RestoreOutcome;
  'library.reembed': LibraryModelState;
  'library.cancelReembed': LibraryModelState;
  'scan.start': ScanState;
  'scan.pause': ScanState;
  'scan.resume': ScanState;
  'scan.cancel': ScanState;
  'scan.state': ScanState;
  'people.list': PersonSummary[];
  'people.get': PersonSummary | null;
  'people.faces': FaceInfo[];
  'people.faceIds': number[];
  'people.photos': PersonPhoto[];
  'people.photoIds': number[];
  'people.photosTogether': PersonPhoto[];
  'people.unassigned': FaceInfo[];
  'people.suggestionGroups': SuggestionGroups;
  'people.photo': PhotoInfo | null;
  'people.face': FaceInfo | null;
  'people.suggestPeople': PersonSuggestion[];
  'people.suggestFaces': FaceSuggestion[];
  'people.similar': PersonSuggestion[];
  'people.suggestMerges': MergeQueue;
  'people.answerMerge': CorrectionResult;
  'people.correct': CorrectionResult;
  'people.undo': LoggedCorrection | null;
  'people.redo': LoggedCorrection | null;
  'people.history': LoggedCorrection[];
  'people.recluster': ClusterStats;
  'faces.add': FaceAdded;
  'settings.set': Settings;
  'learning.state': LearningState;
  'learning.start': LearningState;
  'learning.cancel': LearningState;
  'learning.rollback': RollbackResult;
  'xmp.write': XmpWrite;
  'xmp.read': PeopleImport;
  'people.export': PeopleExport;
  'people.import': PeopleImport;
  'media.resolve': MediaLocation;
  'shell.chooseFolder': string | null;
  'shell.exportPeople': PeopleExport | null;
  'shell.importPeople': PeopleImport | null;
}

export type Result<M extends Method> = Results[M];

export interface Events {
  'scan.progress': ScanProgress;
  'scan.fileError': FailedFile;
  'scan.state': ScanState;
  'scan.finished': { cancelled: boolean; indexed: number; faces: number; errors: number; elapsedMs: number; found: number };
  /** People changed (after a scan, a correction, undo/redo, a re-cluster, learning, an import). */
  'people.changed': { reason: string };
  /** One epoch of the running training job. */
  'learning.progress': TrainProgress;
  /** The training job started, finished, was cancelled or failed. */
  'learning.state': LearningJob;
  /**
   * A chunk of faces re-projected with the newly active head (after adoption or a roll back, or
   * resumed at start: then people.changed 'learning:resumed' follows the re-cluster).
   */
  'learning.reprojecting': ReprojectProgress;
  /** Photos embedded so far by the running move to another face model. */
  'reembed.progress': ModelMoveProgress;
  /** The move to another face model ended (switched: people.changed 'model' follows once people are re-grouped). */
  'reembed.finished': ModelMoveOutcome;
  /** A native menu item (desktop shell) the renderer handles: undo, redo, navigation... */
  'menu.command': { command: MenuCommand };
}
export type EventName = keyof Events;
export const EVENT_NAMES: readonly EventName[] = ['scan.progress', 'scan.fileError', 'scan.state', 'scan.finished', 'people.changed', 'learning.progress', 'learning.state', 'learning.reprojecting', 'reembed.progress', 'reembed.finished', 'menu.command'];

export const MENU_COMMANDS = ['undo', 'redo', 'go-people', 'go-unassigned', 'go-scan', 'go-learn', 'go-settings', 'go-same-person', 'add-folder', 'find'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

// ---- wire messages ----

export interface RequestMessage {
  id: number;
  method: string;
  params?: unknown;
}
export type ReplyMessage = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: ContractErrorShape };
export interface EventMessage {
  event: EventName;
  data: unknown;
}
export interface ContractErrorShape {
  code: ErrorCode;
  message: string;
}
export type ErrorCode = 'bad-request' | 'unknown-method' | 'not-found' | 'unavailable' | 'busy' | 'failed';

export const requestMessage = z.object({ id: z.number().int().min(0), method: z.string().min(1).max(64), params: z.unknown().optional() }).strict();

/** An error that crosses the contract with its code. */
export class ContractError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ContractError';
  }
  toJSON(): ContractErrorShape {
    return { code: this.code, message: this.message };
  }
}

export function isEngineMethod(m: string): m is EngineMethod {
  return Object.prototype.hasOwnProperty.call(engineMethods, m);
}
export function isShellMethod(m: string): m is ShellMethod {
  return Object.prototype.hasOwnProperty.call(shellMethods, m);
}

/**
 * Validates a method name and its params. Throws ContractError('unknown-method' | 'bad-request').
 * `allowInternal` lets hosts call media.resolve and the people file's methods; UI-facing entry
 * points pass false. Shell methods are known only with `allowShell` (the desktop shell).
 */
export function validateRequest(method: unknown, params: unknown, opts: { allowInternal?: boolean; allowShell: true }): ValidRequest;
export function validateRequest(method: unknown, params: unknown, opts?: { allowInternal?: boolean; allowShell?: false }): ValidRequest<EngineMethod>;
export function validateRequest(method: unknown, params: unknown, opts: { allowInternal?: boolean; allowShell?: boolean } = {}): ValidRequest {
  if (typeof method !== 'string') throw new ContractError('bad-request', 'method must be a string');
  if (isEngineMethod(method)) {
    if (!opts.allowInternal && UI_BLOCKED_METHODS.has(method)) throw new ContractError('unknown-method', `unknown method "${method}"`);
    return { method, params: parseParams(method, params) };
  }
  if (opts.allowShell && isShellMethod(method)) return { method, params: parseParams(method, params) };
  throw new ContractError('unknown-method', `unknown method "${method.slice(0, 64)}"`);
}

/** Parses a known method's params with its schema. Throws ContractError('bad-request'). */
function parseParams<M extends Method>(method: M, params: unknown): ParsedParams<M> {
  const r = schemas[method].safeParse(params === null ? undefined : params);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new ContractError('bad-request', `invalid params for ${method}${where}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** The typed API the renderer sees (window.visage in Electron, an HTTP client in browser mode). */
export interface VisageApi {
  readonly mode: 'electron' | 'browser';
  call<M extends UiMethod>(method: M, ...params: undefined extends Params<M> ? [params?: Params<M>] : [params: Params<M>]): Promise<Result<M>>;
  on<E extends EventName>(event: E, listener: (data: Events[E]) => void): () => void;
  /** URL of a face thumbnail, a photo thumbnail or the photo itself. */
  mediaUrl(kind: 'face' | 'thumb' | 'photo', id: number): string;
}
