/**
 * The simulated user: an oracle who knows every labelled face's identity works Visage's own queues,
 * in the order the app offers them, through the people service's corrections (the same calls the
 * UI makes), and we count what it costs. One answered question or one correction = one action.
 *
 * The queues, in the app's order, worked again and again until nothing is left or the budget is
 * spent:
 * 1. People, biggest first (the People page's order), first only those of identities not named yet,
 *    then (after queue 2) all of them: an unnamed person is named after the identity
 *    most of its labelled faces have (1 action); when that name is already taken, naming it so is
 *    the app's merge proposal accepted (1 action, a merge). Then its faces of other identities go
 *    out in one selection each: moved to that identity's named person, or split off under its name
 *    when it has none (1 action per identity).
 * 2. "Same person?" (the merge queue, app/people/merge-queue.ts), best pair first: Yes (1 action,
 *    a merge) when most labelled faces of both people are one identity, else No (1 action, a
 *    not-same); a pair with a person of bystanders only is left. After a Yes into a named person
 *    its faces of other identities go out as in 1.
 * 3. "Is this Anna?" (the Unassigned screen's groups, app/people/suggestion-groups.ts): for a
 *    group suggested to a named person, Yes on the faces that are that person (1 action, a move);
 *    the others are not answered No but picked by hand as below. Those, the faces the app offers
 *    no one for ("unknown") and the faces of groups suggested to a person the oracle has not named
 *    yet are picked by hand into their identity's named person, one selection per identity (1
 *    action: the screen's selection and "Name selected…"); an identity nobody is named after yet
 *    becomes a new person of that name (1 action, "Name selected…" with a new name).
 * Faces that are no image's subject (bystanders) have no known identity: the oracle leaves them.
 *
 * With `ui: 'baseline'` (a library grouped by Immich's or Ente's algorithm, app/eval/baseline-grouping.ts)
 * the oracle has only what those apps' UIs offer: the People page (queue 1 over all people: naming,
 * merging by naming a person after one who exists, faces of other identities moved or split out)
 * and assigning faces by hand: the labelled faces in no person are picked into their identity's
 * person (a new one of that name when there is none), one selection per identity (generous: Immich and Ente assign face by face). No
 * "Same person?" and no "Is this…?" queue. Which pair to merge the oracle knows without looking,
 * so the similarity order of the apps' merge dialogs costs it nothing.
 *
 * Scored after every action on the labelled faces (plus missed images, as unassigned singletons,
 * as eval-clusters scores them): BCubed F1 and precision, and `rightNamed`, the share of labelled
 * faces in a person named after their identity. `actionsTo95`: actions until BCubed F1 >= 0.95.
 */
import type { PeopleApi } from '../people/api';
import { clusterMetrics } from '../people/metrics';
import { suggestionGroups } from '../people/suggestion-groups';

/** BCubed F1 the user is satisfied with (the bar: actions until the library is 95 % right). */
export const SATISFIED_F1 = 0.95;
/** Pairs the "Same person?" queue is asked for at once (the screen's page). */
const MERGE_PAIRS = 50;
/** Unassigned faces the "Is this…?" queue holds at once (the Unassigned screen's page). */
const QUEUE_FACES = 300;

export interface CurvePoint {
  actions: number;
  bcubedF1: number;
  bcubedPrecision: number;
  rightNamed: number;
}

export interface SimulatedUserResult {
  actions: number;
  budget: number;
  /** Actions until BCubed F1 >= 0.95 (0: already there before any action); null if not reached. */
  actionsTo95: number | null;
  /** Labelled faces in a named person of another identity, at the end. */
  wrong: number;
  /** The scores after every `every` actions (and at 0 and at the end). */
  curve: CurvePoint[];
  /** Actions by kind: name, merge, move, split, reject, same-person yes, same-person no. */
  byKind: Record<string, number>;
  /** Why the oracle stopped: 'budget', 'satisfied' (only with stopWhenSatisfied) or 'nothing left'. */
  stopped: 'budget' | 'nothing left' | 'satisfied';
}

export interface SimulatedUserOptions {
  budget: number;
  /** A curve point every this many actions (default 10). */
  every?: number;
  /** Stop at BCubed F1 >= 0.95 instead of going on until the budget or the queues run out. */
  stopWhenSatisfied?: boolean;
  /** Which app's tools the oracle has: Visage's queues (default) or a baseline's People page and hand picking. */
  ui?: 'visage' | 'baseline';
}

/**
 * The library scored on the labelled faces as the oracle sees it now (missed images as unassigned
 * singletons): BCubed F1 and precision, the share right named, and `wrong` (labelled faces in a
 * named person of another identity). Also used between the rounds of eval-user --learning.
 */
export function scoreLibrary(svc: PeopleApi, labelled: ReadonlyMap<number, string>, missedIdentities: readonly string[], actions: number): { point: CurvePoint; wrong: number } {
  const faceIds = [...labelled.keys()];
  const truth = [...faceIds.map((f) => labelled.get(f)!), ...missedIdentities];
  const personOf = new Map<number, { id: number; name: string | null }>();
  const predicted: (number | null)[] = [];
  let right = 0;
  let wrong = 0;
  for (const f of faceIds) {
    const face = svc.face(f);
    const pid = face?.personId ?? null;
    predicted.push(pid);
    if (pid === null) continue;
    let person = personOf.get(pid);
    if (!person) {
      person = { id: pid, name: svc.getPerson(pid)?.name ?? null };
      personOf.set(pid, person);
    }
    if (person.name === labelled.get(f)) right++;
    else if (person.name !== null) wrong++;
  }
  for (let i = 0; i < missedIdentities.length; i++) predicted.push(null);
  const m = clusterMetrics(truth, predicted);
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return { point: { actions, bcubedF1: r4(m.bcubedF1), bcubedPrecision: r4(m.bcubedPrecision), rightNamed: r4(truth.length ? right / truth.length : 0) }, wrong };
}

class Budget extends Error {}

export function simulateUser(svc: PeopleApi, labelled: ReadonlyMap<number, string>, missedIdentities: readonly string[], opts: SimulatedUserOptions): SimulatedUserResult {
  const every = opts.every ?? 10;
  const byKind: Record<string, number> = {};
  const curve: CurvePoint[] = [];
  let actions = 0;
  let actionsTo95: number | null = null;

  const score = () => scoreLibrary(svc, labelled, missedIdentities, actions);

  let last = score();
  curve.push(last.point);
  if (last.point.bcubedF1 >= SATISFIED_F1) actionsTo95 = 0;

  const act = (kind: string, run: () => void) => {
    if (actions >= opts.budget) throw new Budget();
    run();
    actions++;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    last = score();
    if (actionsTo95 === null && last.point.bcubedF1 >= SATISFIED_F1) actionsTo95 = actions;
    if (actions % every === 0) curve.push(last.point);
    if (opts.stopWhenSatisfied && actionsTo95 !== null) throw new Budget();
  };

  /** The named person of an identity (the oracle names each identity once; merges keep the name). */
  const namedPerson = (identity: string): number | null => svc.listPeople({ includeHidden: true }).find((p) => p.name === identity)?.id ?? null;

  /** Labelled faces of a person, grouped by identity. */
  const identitiesIn = (personId: number): Map<string, number[]> => {
    const out = new Map<string, number[]>();
    for (const f of svc.personFaceIds(personId)) {
      const id = labelled.get(f);
      if (id === undefined) continue;
      const list = out.get(id) ?? [];
      list.push(f);
      out.set(id, list);
    }
    return out;
  };

  /**
   * Queue 1 once over the People page; true when it did anything. With `namesOnly` the oracle only
   * names the people of identities it has not named yet (the rest is left to "Same person?").
   */
  const workPeople = (namesOnly = false): boolean => {
    let did = false;
    const people = svc.listPeople().sort((a, b) => b.faceCount - a.faceCount || a.id - b.id);
    for (const p of people) {
      if (!svc.getPerson(p.id) || svc.getPerson(p.id)!.name !== null) continue;
      const ids = identitiesIn(p.id);
      if (ids.size === 0) continue; // bystanders only: not the oracle's to name
      const majority = [...ids.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))[0]![0];
      const target = namedPerson(majority);
      if (namesOnly && target !== null) continue;
      let keep: number;
      if (target === null) {
        act('name', () => svc.correct({ kind: 'name', personId: p.id, name: majority }));
        keep = p.id;
      } else {
        act('merge', () => svc.correct({ kind: 'merge', targetId: target, sourceIds: [p.id] }));
        keep = target;
      }
      did = true;
      did = cleanPerson(keep) || did;
    }
    return did;
  };

  /** Faces of other identities out of a named person, one selection per identity. */
  const cleanPerson = (personId: number): boolean => {
    const name = svc.getPerson(personId)?.name;
    if (!name) return false;
    let did = false;
    for (const [identity, faces] of identitiesIn(personId)) {
      if (identity === name) continue;
      const to = namedPerson(identity);
      if (to !== null) act('move', () => svc.correct({ kind: 'move', faceIds: faces, personId: to }));
      else act('split', () => svc.correct({ kind: 'split', faceIds: faces, name: identity }));
      did = true;
    }
    return did;
  };

  /** The identity most of a person's labelled faces are (null: bystanders only). */
  const majorityOf = (personId: number): string | null =>
    [...identitiesIn(personId).entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? null;

  /** Queue 2, "Same person?", answered pair by pair from the top until none is left to answer; true when it did anything. */
  const workSamePerson = (): boolean => {
    let did = false;
    const left = new Set<string>(); // pairs the oracle cannot tell (bystanders)
    for (;;) {
      const pair = svc.suggestMerges(MERGE_PAIRS).pairs.find((p) => !left.has(`${p.a.id}-${p.b.id}`));
      if (!pair) return did;
      const a = majorityOf(pair.a.id);
      const b = majorityOf(pair.b.id);
      if (a === null || b === null) {
        left.add(`${pair.a.id}-${pair.b.id}`);
        continue;
      }
      let kept: number | null = null;
      act(a === b ? 'same-person yes' : 'same-person no', () => {
        const r = svc.answerMerge(pair.a.id, pair.b.id, a === b);
        kept = a === b ? (r.personIds[0] ?? null) : null;
      });
      did = true;
      if (kept !== null) cleanPerson(kept);
    }
  };

  /** Queue 3 once over the "Is this…?" groups; true when it did anything. */
  const workUnassigned = (): boolean => {
    let did = false;
    const g = suggestionGroups(svc, QUEUE_FACES);
    const byHand = new Map<string, number[]>();
    const pick = (faceId: number) => {
      const id = labelled.get(faceId);
      if (id === undefined) return;
      const list = byHand.get(id) ?? [];
      list.push(faceId);
      byHand.set(id, list);
    };
    for (const group of g.groups) {
      const name = svc.getPerson(group.personId)?.name ?? null;
      if (name === null) {
        for (const x of group.faces) pick(x.face.id);
        continue;
      }
      const yes = group.faces.filter((x) => labelled.get(x.face.id) === name).map((x) => x.face.id);
      const no = group.faces.filter((x) => labelled.get(x.face.id) !== name).map((x) => x.face.id);
      if (yes.length) {
        act('move', () => svc.correct({ kind: 'move', faceIds: yes, personId: group.personId }));
        did = true;
      }
      // The other faces are not answered No (an action that puts no face where it belongs): they
      // are picked by hand into their own person below, which takes them out of the group too.
      for (const f of no) pick(f);
    }
    for (const x of g.unknown) pick(x.id);
    for (const [identity, faces] of byHand) did = pickInto(identity, faces) || did;
    return did;
  };

  /**
   * Faces picked by hand into their identity's person, one selection: moved into the named person,
   * or, for an identity nobody is named after yet, made a new person of that name ("Who is this?"
   * with a new name, a split). True when it did anything.
   */
  const pickInto = (identity: string, faces: readonly number[]): boolean => {
    const to = namedPerson(identity);
    const still = faces.filter((f) => to === null || svc.face(f)?.personId !== to);
    if (still.length === 0) return false;
    if (to === null) act('split', () => svc.correct({ kind: 'split', faceIds: still, name: identity }));
    else act('move', () => svc.correct({ kind: 'move', faceIds: still, personId: to }));
    return true;
  };

  /** A baseline's hand picking: labelled faces in no person into their identity's named person, one selection per identity. */
  const workByHand = (): boolean => {
    const byHand = new Map<string, number[]>();
    for (const [faceId, identity] of labelled) {
      if (svc.face(faceId)?.personId != null) continue;
      const list = byHand.get(identity) ?? [];
      list.push(faceId);
      byHand.set(identity, list);
    }
    let did = false;
    for (const [identity, faces] of byHand) did = pickInto(identity, faces) || did;
    return did;
  };

  let stopped: SimulatedUserResult['stopped'] = 'nothing left';
  try {
    for (let round = 0; round < 1000; round++) {
      if (opts.ui === 'baseline') {
        const a = workPeople();
        const b = workByHand();
        if (!a && !b) break;
        continue;
      }
      const n = workPeople(true);
      const m = workSamePerson();
      const a = workPeople();
      const b = workUnassigned();
      if (!n && !m && !a && !b) break;
    }
  } catch (e) {
    if (!(e instanceof Budget)) throw e;
    stopped = opts.stopWhenSatisfied && actionsTo95 !== null ? 'satisfied' : 'budget';
  }
  if (curve[curve.length - 1]!.actions !== actions) curve.push(last.point);
  return { actions, budget: opts.budget, actionsTo95, wrong: last.wrong, curve, byKind, stopped };
}
