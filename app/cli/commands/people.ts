/**
 * People commands: list, cluster, re-cluster, suggestions, and every correction the UI can make
 * (name, merge, split, move, reject, confirm, hide, cover, not-a-face, birthday, hide-small, tag-photo, untag-photo, undo,
 * redo, history), and the "Same person?" queue (suggest-merges, answer-merge), so
 * that scripts and tests can drive everything the app does. All take --db FILE and --json.
 */
import { numberFlag, parseArgs, stringFlag, UsageError, type CliCommand, type FlagSpec, type ParsedArgs } from '../command';
import { resolveDbPath } from '../../platform/paths';
import { openStoreForReading } from '../open-store';
import { CorrectionError, RedrawNeededError, type PeopleService } from '../../people/people-service';
import { InvalidRequestError, NotFoundError } from '../../contract/errors';
import type { Store } from '../../store/store';
import type { DrawFace } from '../../people/api';
import { peopleServiceFor } from '../people-service';
import type { Correction, MergeQueue, PersonSummary } from '../../contract/people';
import { isoDate, maxPhotos as maxPhotosSchema } from '../../contract/contract';
import { PEOPLE_FILTERS, PEOPLE_SORTS } from '../../contract/people';

type Handler = (svc: PeopleService, p: ParsedArgs, store: Store) => unknown;

function intList(p: ParsedArgs, name: string): number[] {
  const raw = stringFlag(p, name);
  if (!raw) throw new UsageError(`--${name} is required (comma-separated ids)`);
  const ids = raw.split(',').map((s) => Number(s.trim()));
  if (ids.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError(`--${name} must be comma-separated positive ids`);
  return ids;
}

/** A flag whose value must be one of `choices` (undefined when absent). */
function oneOf<T extends string>(p: ParsedArgs, name: string, choices: readonly T[]): T | undefined {
  const v = stringFlag(p, name);
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${v}"`);
  return v as T;
}

function intFlag(p: ParsedArgs, name: string): number {
  const v = numberFlag(p, name);
  if (v === undefined || !Number.isInteger(v) || v < 1) throw new UsageError(`--${name} ID is required`);
  return v;
}

function make(name: string, summary: string, usage: string, spec: FlagSpec, handler: Handler, writes = false): CliCommand {
  const fullSpec: FlagSpec = {
    values: { db: 'string', ...(spec.values ?? {}) },
    booleans: ['json', ...(spec.booleans ?? [])],
  };
  return {
    name,
    summary,
    usage: `usage: visage ${name} --db FILE ${usage} [--json]`,
    async run(args) {
      const p = parseArgs(args, fullSpec);
      if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
      const dbPath = resolveDbPath(stringFlag(p, 'db'));
      const store = openStoreForReading(dbPath, writes ? `visage ${name}` : undefined);
      try {
        // The library's strictness and learned head, as in the app.
        const svc = peopleServiceFor(store.db, dbPath);
        let result: unknown;
        try {
          result = await handler(svc, p, store);
        } catch (e) {
          if (e instanceof CorrectionError || e instanceof RedrawNeededError || e instanceof NotFoundError || e instanceof InvalidRequestError) throw new UsageError(e.message);
          throw e;
        }
        process.stdout.write(p.flags.has('json') ? `${JSON.stringify(result)}\n` : `${human(result)}\n`);
        return 0;
      } finally {
        store.close();
      }
    },
  };
}

/**
 * A face drawn before the library moved to another face model is analysed again from its box, so
 * that the library holds one model's vectors; the face engine (and its modules) loaded only then.
 */
async function redo(svc: PeopleService, store: Store): Promise<unknown> {
  const engine: { drawer?: { draw: DrawFace; close: () => Promise<void> } } = {};
  const draw: DrawFace = (photoId, box) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    engine.drawer ??= (require('../face-drawer') as typeof import('../face-drawer')).cliFaceDrawer(store, svc.model);
    return engine.drawer.draw(photoId, box);
  };
  try {
    return (await svc.redoDrawing(draw)) ?? { nothing: 'to redo' };
  } finally {
    await engine.drawer?.close();
  }
}

function human(v: unknown): string {
  if (isMergeQueue(v)) return mergeQueueText(v);
  if (Array.isArray(v)) return v.map((x) => JSON.stringify(x)).join('\n') || '(none)';
  return JSON.stringify(v, null, 2);
}

/** Most pairs suggest-merges lists (as people.suggestMerges). */
const MAX_MERGE_PAIRS = 1000;

const who = (p: PersonSummary) => `#${p.id} ${p.name ?? '(unnamed)'} (${p.faceCount} face${p.faceCount === 1 ? '' : 's'})`;

function mergeQueueText(q: MergeQueue): string {
  if (!q.pairs.length) return 'No pairs to check.';
  const lines = q.pairs.map((x) => `${x.similarity.toFixed(3)}  ${who(x.a)}  ~  ${who(x.b)}`);
  return `${lines.join('\n')}\n${q.total} pair${q.total === 1 ? '' : 's'} to check (answer with: visage answer-merge --a ID --b ID --yes|--no)`;
}

function isMergeQueue(v: unknown): v is MergeQueue {
  return typeof v === 'object' && v !== null && 'pairs' in v && 'total' in v;
}

const correction = (name: Correction['kind'], summary: string, usage: string, spec: FlagSpec, build: (p: ParsedArgs) => Correction) =>
  make(name, summary, usage, spec, (svc, p) => svc.correct(build(p)), true);

export const commands: CliCommand[] = [
  make(
    'people',
    "list people in the People page's order and filter (default: named first, everyone not hidden)",
    `[--sort ${PEOPLE_SORTS.join('|')}] [--filter ${PEOPLE_FILTERS.join('|')}] [--hidden] [--query TEXT]`,
    { values: { query: 'string', sort: 'string', filter: 'string' }, booleans: ['hidden'] },
    (svc, p) =>
      svc.listPeople({
        includeHidden: p.flags.has('hidden'),
        query: stringFlag(p, 'query'),
        sort: oneOf(p, 'sort', PEOPLE_SORTS),
        filter: oneOf(p, 'filter', PEOPLE_FILTERS),
      }),
  ),
  make('person', 'one person and their faces', '--person ID [--limit N]', { values: { person: 'number', limit: 'number' } }, (svc, p) => {
    const id = intFlag(p, 'person');
    const person = svc.getPerson(id);
    if (!person) throw new UsageError(`no person ${id}`);
    return { ...person, faces: svc.personFaces(id, { limit: numberFlag(p, 'limit') }) };
  }),
  make('unassigned', 'faces in no person, best quality first', '[--limit N]', { values: { limit: 'number' } }, (svc, p) =>
    svc.unassignedFaces({ limit: numberFlag(p, 'limit') }),
  ),
  make('cluster', 'assign new faces to people and cluster the unassigned pool', '', {}, (svc) => svc.update(), true),
  make('recluster', 're-cluster every face from scratch, keeping every user decision', '', {}, (svc) => svc.recluster(), true),
  make('suggest', 'suggestions: people for a face (--face) or faces for a person (--person)', '(--face ID | --person ID) [--k N]', { values: { face: 'number', person: 'number', k: 'number' } }, (svc, p) => {
    const k = numberFlag(p, 'k');
    if (numberFlag(p, 'face') !== undefined) return svc.suggestPeople(intFlag(p, 'face'), k);
    if (numberFlag(p, 'person') !== undefined) return svc.suggestFaces(intFlag(p, 'person'), k);
    throw new UsageError('give --face ID or --person ID');
  }),
  make('suggest-merges', '"Same person?": pairs of people most likely one person, best first', '[--limit N]', { values: { limit: 'number' } }, (svc, p) => {
    const limit = numberFlag(p, 'limit') ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MERGE_PAIRS) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_MERGE_PAIRS}`);
    return svc.suggestMerges(limit);
  }),
  make(
    'answer-merge',
    '"Same person?" answered: --yes merges the two people, --no keeps them apart for good (both undoable)',
    '--a ID --b ID --yes|--no',
    { values: { a: 'number', b: 'number' }, booleans: ['yes', 'no'] },
    (svc, p) => {
      const yes = p.flags.has('yes');
      if (yes === p.flags.has('no')) throw new UsageError('give exactly one of --yes or --no');
      const a = intFlag(p, 'a');
      const b = intFlag(p, 'b');
      if (a === b) throw new UsageError('--a and --b must be two different people');
      return svc.answerMerge(a, b, yes);
    },
    true,
  ),
  correction('name', 'name or rename a person (an existing name proposes a merge)', '--person ID --name NAME', { values: { person: 'number', name: 'string' } }, (p) => ({
    kind: 'name',
    personId: intFlag(p, 'person'),
    name: stringFlag(p, 'name') ?? null,
  })),
  correction('merge', 'merge people into one', '--into ID --people ID,ID', { values: { into: 'number', people: 'string' } }, (p) => ({
    kind: 'merge',
    targetId: intFlag(p, 'into'),
    sourceIds: intList(p, 'people'),
  })),
  correction('split', 'selected faces become a new person', '--faces ID,ID [--name NAME]', { values: { faces: 'string', name: 'string' } }, (p) => ({
    kind: 'split',
    faceIds: intList(p, 'faces'),
    name: stringFlag(p, 'name') ?? null,
  })),
  correction('move', 'move faces to a person', '--faces ID,ID --person ID', { values: { faces: 'string', person: 'number' } }, (p) => ({
    kind: 'move',
    faceIds: intList(p, 'faces'),
    personId: intFlag(p, 'person'),
  })),
  correction('reject', '"not this person": faces leave the person for good', '--faces ID,ID --person ID', { values: { faces: 'string', person: 'number' } }, (p) => ({
    kind: 'reject',
    faceIds: intList(p, 'faces'),
    personId: intFlag(p, 'person'),
  })),
  correction('confirm', 'confirm faces (or a suggestion) as a person', '--faces ID,ID --person ID', { values: { faces: 'string', person: 'number' } }, (p) => ({
    kind: 'confirm',
    faceIds: intList(p, 'faces'),
    personId: intFlag(p, 'person'),
  })),
  correction('hide', 'hide (or --show) a person', '--person ID [--show]', { values: { person: 'number' }, booleans: ['show'] }, (p) => ({
    kind: 'hide',
    personId: intFlag(p, 'person'),
    hidden: !p.flags.has('show'),
  })),
  correction('cover', "choose a person's cover face", '--person ID --face ID', { values: { person: 'number', face: 'number' } }, (p) => ({
    kind: 'cover',
    personId: intFlag(p, 'person'),
    faceId: intFlag(p, 'face'),
  })),
  correction('not-a-face', 'mark detections that are not faces', '--faces ID,ID', { values: { faces: 'string' } }, (p) => ({
    kind: 'not-a-face',
    faceIds: intList(p, 'faces'),
  })),
  correction('birthday', "set (YYYY-MM-DD) or clear (none) a person's birth date", '--person ID --date YYYY-MM-DD|none', { values: { person: 'number', date: 'string' } }, (p) => {
    const raw = stringFlag(p, 'date');
    if (raw === undefined) throw new UsageError('--date YYYY-MM-DD (or none) is required');
    if (raw === 'none') return { kind: 'birthday', personId: intFlag(p, 'person'), birthDate: null };
    const d = isoDate.safeParse(raw);
    if (!d.success) throw new UsageError(`--date: "${raw}" is not a date YYYY-MM-DD (or none)`);
    return { kind: 'birthday', personId: intFlag(p, 'person'), birthDate: d.data };
  }),
  make(
    'hide-small',
    'hide every unnamed person with at most N photos (one undoable correction)',
    '--max-photos N [--dry-run]',
    { values: { 'max-photos': 'number' }, booleans: ['dry-run'] },
    (svc, p) => {
      const n = maxPhotosSchema.safeParse(numberFlag(p, 'max-photos'));
      if (!n.success) throw new UsageError('--max-photos N is required: a whole number of photos, 1 to 1000');
      // --dry-run: who would be hidden, nothing written (the count the app shows before confirming).
      if (p.flags.has('dry-run')) return { wouldHide: svc.smallUnnamed(n.data) };
      return svc.correct({ kind: 'hide-small', maxPhotos: n.data });
    },
    true,
  ),
  correction('tag-photo', 'a person is on a photo without a visible face', '--photo ID --person ID', { values: { photo: 'number', person: 'number' } }, (p) => ({
    kind: 'tag-photo',
    photoId: intFlag(p, 'photo'),
    personId: intFlag(p, 'person'),
  })),
  correction('untag-photo', 'remove a person from a photo they were on without a face', '--photo ID --person ID', { values: { photo: 'number', person: 'number' } }, (p) => ({
    kind: 'untag-photo',
    photoId: intFlag(p, 'photo'),
    personId: intFlag(p, 'person'),
  })),
  make('undo', 'undo the last correction', '', {}, (svc) => svc.undo() ?? { nothing: 'to undo' }, true),
  make('redo', 'redo the last undone correction', '', {}, (svc, _p, store) => redo(svc, store), true),
  make('history', 'the corrections log, newest first', '[--limit N]', { values: { limit: 'number' } }, (svc, p) => svc.history(numberFlag(p, 'limit') ?? 50)),
];
