/**
 * `visage eval-user --data DIR`: the simulated user (app/eval/simulated-user.ts). Scans the
 * labelled tree `<identity>/<image>` into a fresh library (or --db FILE, kept; --no-scan reuses
 * it), groups people as the app does (Visage's full re-cluster at 'normal' strictness), then lets
 * the oracle work the app's queues, counting actions. --part tune|report scans only that part's
 * identities (app/eval/cluster-parts.ts; through a folder of links, so the other part's photos are
 * not in the library at all). Progress on stderr; the last stdout line is the JSON result.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { numberFlag, parseArgs, progress, UsageError, type CliCommand } from '../command';
import { EvaluationRepo } from '../../store/evaluation-repo';
import { Store } from '../../store/store';
import { labelledTreeFlags } from '../labelled-tree-flags';
import { peopleServiceFor } from '../people-service';
import { scanTree } from '../scan-tree';
import { labelledTree } from '../../eval/labelled-tree';
import { treeParts } from '../../eval/cluster-parts';
import { simulateUser, SATISFIED_F1, type CurvePoint } from '../../eval/simulated-user';
import { f1At, simulateUserInRounds, type RoundsResult } from '../../eval/simulated-user-learning';
import { baselineDefaults } from '../../eval/cluster-algorithms';
import { groupWithBaseline } from '../../eval/baseline-grouping';
import { LearningService } from '../../learning/learning-service';
import type { TrainOptions } from '../../learning/train-types';
import { trainingOptions } from '../training-options';

/** Actions between two training runs in eval-user --learning (chosen on the tuning part: docs/learning.md). */
export const DEFAULT_LEARN_EVERY = 10;

const usage = `usage: visage eval-user --data DIR [--db FILE] [--no-scan] [--part tune|report] [--algorithm visage|dbscan|linear]
         [--budget N] [--every N] [--learning [--learn-every N] [--opt KEY=VALUE ...]] [--json]
  DIR is a tree <identity>/<image>. --budget: actions the oracle may take (default 200); --every: a
  curve point every N actions (default 10). --algorithm dbscan|linear groups the library as Immich
  (dbscan) or Ente (linear) do, with the distances chosen on the tuning part (baselineDefaults, per model), and
  gives the oracle only what their UIs offer (the People page and assigning faces by hand).
  --learning (Visage only): the oracle twice, in rounds of --learn-every actions (default
  ${DEFAULT_LEARN_EVERY}), once without learning and once with "Learn from my corrections" after every round
  (the app's training, adopted only if better; --opt sets a training option).`;

export const command: CliCommand = {
  name: 'eval-user',
  summary: 'the simulated user: actions a user needs until the people are right (actionsTo95)',
  usage,
  async run(args) {
    const p = parseArgs(args, {
      values: { data: 'string', db: 'string', part: 'string', algorithm: 'string', budget: 'number', every: 'number', threads: 'number', 'learn-every': 'number', opt: 'strings' },
      booleans: ['json', 'no-scan', 'learning'],
    });
    if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
    const { data, part, algorithm, db: keep, noScan } = labelledTreeFlags(p);
    const budget = numberFlag(p, 'budget') ?? 200;
    const every = numberFlag(p, 'every') ?? 10;
    if (!Number.isInteger(budget) || budget < 1) throw new UsageError('--budget must be a whole number >= 1');
    if (!Number.isInteger(every) || every < 1) throw new UsageError('--every must be a whole number >= 1');
    const learnEvery = numberFlag(p, 'learn-every') ?? DEFAULT_LEARN_EVERY;
    if (!Number.isInteger(learnEvery) || learnEvery < 1) throw new UsageError('--learn-every must be a whole number >= 1');
    const learning = p.flags.has('learning');
    if (!learning && (p.values['learn-every'] !== undefined || p.values.opt !== undefined)) throw new UsageError('--learn-every and --opt go with --learning');
    if (learning && algorithm !== 'visage') throw new UsageError('--learning is Visage\'s (the baselines\' apps do not learn from corrections)');
    const options = trainingOptions(p.values.opt as string[] | undefined);
    const t0 = performance.now();
    const tmp = mkdtempSync(join(tmpdir(), 'visage-eval-user-'));
    // --part: the part's identity folders, linked into a tree of their own (its path is the root
    // the labels are read against; kept beside --db so a re-run finds the same paths).
    let root = data;
    let partRule: string | null = null;
    if (part !== 'all') {
      const split = treeParts(data);
      partRule = split.rule;
      root = keep ? `${resolve(keep)}.${part}-tree` : join(tmp, `${part}-tree`);
      if (!existsSync(root)) {
        mkdirSync(root, { recursive: true });
        for (const name of readdirSync(data)) {
          if (split.parts.get(name) === part && statSync(join(data, name)).isDirectory()) symlinkSync(join(data, name), join(root, name));
        }
      }
    }
    const scanned = Store.open(keep ?? join(tmp, 'eval.db'));
    // The oracle corrects a copy: a kept --db stays as scanned, for the next run.
    const work = join(tmp, 'work.db');
    try {
      if (!noScan) await scanTree(scanned, [root], numberFlag(p, 'threads') ?? 1, 'eval-user');
      new EvaluationRepo(scanned.db).snapshotTo(work);
    } finally {
      scanned.close();
    }
    if (learning) {
      try {
        return await learningComparison(work, root, tmp, { budget, every, learnEvery, options, json: p.flags.has('json'), head: { set: basename(data), algorithm: 'visage', part, partRule }, t0 });
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    const store = Store.open(work);
    try {
      // As a new user's first grouping (a baseline's: written as the machine's people, before the
      // people service that the oracle works through reads them).
      const model = peopleServiceFor(store.db, null).model;
      const grouped = algorithm === 'visage' ? null : groupWithBaseline(store.db, model, algorithm, baselineDefaults(model, algorithm));
      const svc = peopleServiceFor(store.db, null);
      const stats = grouped ?? svc.recluster();
      progress(`eval-user: ${algorithm}: ${stats.people} people, ${stats.unassigned} faces unassigned`);
      const tree = labelledTree(store.db, root);
      const labelled = new Map(tree.faces.map((f) => [f.faceId, f.identity]));
      const r = simulateUser(svc, labelled, tree.missed.map((m) => m.identity), { budget, every, ui: algorithm === 'visage' ? 'visage' : 'baseline' });
      const result = {
        set: basename(data),
        algorithm,
        part,
        partRule,
        identities: new Set(labelled.values()).size,
        labelledFaces: labelled.size,
        missed: tree.missed.length,
        bystanders: tree.bystanders.length,
        start: r.curve[0]!,
        end: r.curve[r.curve.length - 1]!,
        satisfiedF1: SATISFIED_F1,
        ...r,
        seconds: Math.round((performance.now() - t0) / 100) / 10,
      };
      if (!p.flags.has('json')) {
        for (const c of r.curve) process.stdout.write(`${String(c.actions).padStart(5)} actions: BCubed F1 ${c.bcubedF1.toFixed(3)} (P ${c.bcubedPrecision.toFixed(3)}), right named ${(c.rightNamed * 100).toFixed(1)} %\n`);
        process.stdout.write(`${result.set} [${algorithm}, part ${part}]: actionsTo95 ${r.actionsTo95 ?? 'not reached'} (budget ${budget}, ${r.actions} used, stopped: ${r.stopped}); ${r.wrong} face(s) in a wrong named person\n`);
      }
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    } finally {
      store.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};

/** One arm of --learning: the scanned library (a copy), grouped as a new user's, worked in rounds. */
async function arm(file: string, root: string, o: { budget: number; every: number; learnEvery: number; options: Partial<TrainOptions> | null }) {
  const store = Store.open(file);
  try {
    const svc = peopleServiceFor(store.db, null);
    svc.recluster();
    const tree = labelledTree(store.db, root);
    const labelled = new Map(tree.faces.map((f) => [f.faceId, f.identity]));
    const runs: { actions: number; adopted: boolean; reason: string; heldBack: number; seconds: number }[] = [];
    const learning = o.options ? new LearningService(store.db, svc) : null;
    const afterRound = learning
      ? async (actions: number) => {
          // As the Learn screen: only when there is enough to learn from (summary().ready).
          if (!learning.summary().ready) return;
          const t = performance.now();
          const out = await learning.train({ options: o.options! });
          runs.push({ actions, adopted: out.adopted, reason: out.reason, heldBack: out.heldBack.faces, seconds: Math.round((performance.now() - t) / 100) / 10 });
          progress(`eval-user --learning: after ${actions} actions ${out.adopted ? 'adopted' : 'discarded'}: ${out.reason}`);
        }
      : undefined;
    const r = await simulateUserInRounds(svc, labelled, tree.missed.map((m) => m.identity), { budget: o.budget, every: o.every, learnEvery: o.learnEvery, afterRound });
    return { r, runs, identities: new Set(labelled.values()).size, labelledFaces: labelled.size, missed: tree.missed.length, bystanders: tree.bystanders.length };
  } finally {
    store.close();
  }
}

/** Figures of an arm as printed and in the JSON line. */
const figures = (r: RoundsResult) => ({ actionsTo95: r.actionsTo95, f1At100: f1At(r.curve, 100), wrong: r.wrong, actions: r.actions, rounds: r.rounds, byKind: r.byKind, curve: r.curve });

/**
 * eval-user --learning: the same scanned library twice (copies), worked by the same oracle in the
 * same rounds, once without and once with training after every round; side by side.
 */
async function learningComparison(
  work: string,
  root: string,
  tmp: string,
  o: { budget: number; every: number; learnEvery: number; options: Partial<TrainOptions>; json: boolean; head: Record<string, unknown>; t0: number },
): Promise<number> {
  const copy = join(tmp, 'work-learning.db');
  const src = Store.open(work);
  try {
    new EvaluationRepo(src.db).snapshotTo(copy);
  } finally {
    src.close();
  }
  const without = await arm(work, root, { ...o, options: null });
  const withL = await arm(copy, root, o);
  const adopted = withL.runs.filter((x) => x.adopted).length;
  const result = {
    ...o.head,
    identities: withL.identities,
    labelledFaces: withL.labelledFaces,
    missed: withL.missed,
    bystanders: withL.bystanders,
    satisfiedF1: SATISFIED_F1,
    budget: o.budget,
    learnEvery: o.learnEvery,
    // The headline fields are the learning arm's (the command's subject); the other arm beside it.
    ...figures(withL.r),
    withoutLearning: figures(without.r),
    learning: {
      every: o.learnEvery,
      options: o.options,
      runs: withL.runs.length,
      adopted,
      tooFewToJudge: withL.runs.filter((x) => x.reason.startsWith('too few')).length,
      trainSeconds: Math.round(withL.runs.reduce((a, x) => a + x.seconds, 0) * 10) / 10,
      history: withL.runs,
    },
    seconds: Math.round((performance.now() - o.t0) / 100) / 10,
  };
  if (!o.json) {
    const byActions = new Map<number, [CurvePoint?, CurvePoint?]>();
    for (const c of without.r.curve) byActions.set(c.actions, [c, byActions.get(c.actions)?.[1]]);
    for (const c of withL.r.curve) byActions.set(c.actions, [byActions.get(c.actions)?.[0], c]);
    const f = (c?: CurvePoint) => (c ? c.bcubedF1.toFixed(3) : '  -  ');
    process.stdout.write('actions  F1 without  F1 with learning\n');
    for (const [a, [x, y]] of [...byActions].sort((p, q) => p[0] - q[0])) process.stdout.write(`${String(a).padStart(7)}  ${f(x).padStart(10)}  ${f(y).padStart(16)}\n`);
    const line = (name: string, r: RoundsResult) => `${name}: actionsTo95 ${r.actionsTo95 ?? 'not reached'}, F1 at 100 actions ${f1At(r.curve, 100).toFixed(3)}, wrong ${r.wrong}, ${r.actions} actions\n`;
    process.stdout.write(line('without learning', without.r));
    process.stdout.write(line(`with learning (every ${o.learnEvery})`, withL.r));
    process.stdout.write(`learning: ${withL.runs.length} runs, ${adopted} adopted, ${result.learning.tooFewToJudge} with too few of the user's labels to judge\n`);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}
