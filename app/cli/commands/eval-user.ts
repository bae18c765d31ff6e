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
import { numberFlag, parseArgs, progress, stringFlag, UsageError, type CliCommand } from '../command';
import { EvaluationRepo } from '../../store/evaluation-repo';
import { Store } from '../../store/store';
import { peopleServiceFor } from '../people-service';
import { scanTree } from '../scan-tree';
import { labelledTree } from '../../eval/labelled-tree';
import { treeParts } from '../../eval/cluster-parts';
import { simulateUser, SATISFIED_F1 } from '../../eval/simulated-user';
import { ALGORITHMS, BASELINE_DEFAULTS, isAlgorithm } from '../../eval/cluster-algorithms';
import { groupWithBaseline } from '../../eval/baseline-grouping';

const usage = `usage: visage eval-user --data DIR [--db FILE] [--no-scan] [--part tune|report] [--algorithm visage|dbscan|linear] [--budget N] [--every N] [--json]
  DIR is a tree <identity>/<image>. --budget: actions the oracle may take (default 200); --every: a
  curve point every N actions (default 10). --algorithm dbscan|linear groups the library as Immich
  (dbscan) or Ente (linear) do, with the distances chosen on the tuning part (BASELINE_DEFAULTS), and
  gives the oracle only what their UIs offer (the People page and assigning faces by hand).`;

export const command: CliCommand = {
  name: 'eval-user',
  summary: 'the simulated user: actions a user needs until the people are right (actionsTo95)',
  usage,
  async run(args) {
    const p = parseArgs(args, {
      values: { data: 'string', db: 'string', part: 'string', algorithm: 'string', budget: 'number', every: 'number', threads: 'number' },
      booleans: ['json', 'no-scan'],
    });
    if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
    const dataArg = stringFlag(p, 'data');
    if (!dataArg) throw new UsageError('--data DIR is required');
    if (!existsSync(dataArg) || !statSync(dataArg).isDirectory()) throw new UsageError(`${dataArg} is not a folder`);
    const data = resolve(dataArg);
    const part = stringFlag(p, 'part') ?? 'all';
    if (part !== 'all' && part !== 'tune' && part !== 'report') throw new UsageError('--part must be tune, report or all');
    const algorithm = stringFlag(p, 'algorithm') ?? 'visage';
    if (!isAlgorithm(algorithm)) throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}`);
    const budget = numberFlag(p, 'budget') ?? 200;
    const every = numberFlag(p, 'every') ?? 10;
    if (!Number.isInteger(budget) || budget < 1) throw new UsageError('--budget must be a whole number >= 1');
    if (!Number.isInteger(every) || every < 1) throw new UsageError('--every must be a whole number >= 1');
    const keep = stringFlag(p, 'db');
    if (p.flags.has('no-scan') && (!keep || !existsSync(keep))) throw new UsageError('--no-scan needs --db FILE of a library already scanned');
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
      if (!p.flags.has('no-scan')) await scanTree(scanned, [root], numberFlag(p, 'threads') ?? 1, 'eval-user');
      new EvaluationRepo(scanned.db).snapshotTo(work);
    } finally {
      scanned.close();
    }
    const store = Store.open(work);
    try {
      // As a new user's first grouping (a baseline's: written as the machine's people, before the
      // people service that the oracle works through reads them).
      const grouped = algorithm === 'visage' ? null : groupWithBaseline(store.db, peopleServiceFor(store.db, null).model, algorithm, BASELINE_DEFAULTS[algorithm]);
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
