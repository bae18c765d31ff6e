/**
 * `visage eval-clusters --data DIR`: scans a labelled tree `<identity>/<image>` into a
 * fresh database (or --db FILE, reused when it already holds the photos; --no-scan skips the walk),
 * takes the subject face of each image as that image's labelled face (app/eval/labelled-tree.ts),
 * clusters the faces in memory with the chosen algorithm (Visage's full re-cluster, or the Immich /
 * Ente baselines: app/eval/cluster-algorithms.ts) and prints BCubed and pairwise scores. Nothing
 * is written to the library's people. Unassigned labelled faces count as singletons, and so do
 * images where no face was found (or that could not be read): their subject is in no album, an
 * error the scores must show (listed under `missed`). Faces other than an image's subject are not
 * labelled; they are reported apart (`bystanders`): how many, and how many went into a person
 * that holds some image's subject (where they would show in that person's album).
 *
 * --part tune|report (app/eval/cluster-parts.ts) keeps only the photos whose labelled identity
 * (folder) is in that part: their faces, bystanders included, are clustered and scored as above;
 * the other part's photos, their bystanders included, are left out of the clustering altogether.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { numberFlag, parseArgs, progress, UsageError, type CliCommand } from '../command';
import { Store } from '../../store/store';
import { ClusterRepo } from '../../store/cluster-repo';
import { labelledTreeFlags } from '../labelled-tree-flags';
import { peopleServiceFor } from '../people-service';
import { scanTree } from '../scan-tree';
import { clusterMetrics, type ClusterMetrics } from '../../people/metrics';
import { labelledTree } from '../../eval/labelled-tree';
import { treeParts, type Part } from '../../eval/cluster-parts';
import { baselineDefaults, runAlgorithm, type Algorithm, type BaselineParams } from '../../eval/cluster-algorithms';
import type { ModelThresholds } from '../../people/thresholds';
import { embedderFlag, landmarkPassesFlag } from '../engine-flags';

const usage = `usage: visage eval-clusters --data DIR [--db FILE] [--no-scan] [--algorithm visage|dbscan|linear] [--part tune|report]
       [--cluster X] [--assign X] [--min-size N] [--quality X] [--album-merge X] [--album-merge-min N]
       [--leftover X] [--leftover-min N] [--leftover-margin M] [--leftover-seed X] [--leftover-seed-margin M] [--leftover-seed-min N] [--leftover-seed-nearest X] [--leftover-seed-people N]
       [--small-merge X] [--small-merge-margin M] [--small-merge-max N]
       [--unrecognisable X] [--collage X] [--batch N] [--orders N [--folders]] [--landmark-passes always|auto|never]
       [--distance D] [--min-faces N] [--model ID] [--json]
  --model ID scans with that embedder and clusters its faces with its thresholds (default: the
  library's model, else the registry's default). DIR is a tree <identity>/<image>. --db keeps the indexed library (re-runs skip the scan; --no-scan
  does not even walk DIR again). --part keeps the photos of that part's identities only (LFW: folds
  1-3 tune, 4-5 report; other trees: half the identities by a hash of the name; docs/clustering.md).
  --cluster/--assign/--min-size/--quality override Visage's clustering thresholds (calibration);
  --album-merge X / --album-merge-min N override the album merge pass (people whose albums' average
  linkage is >= X merge, the larger with >= N seed-quality faces; 1 = off), --leftover X /
  --leftover-min N the leftovers rule (a pool face joins the person whose album mean is >= X, people
  with >= N faces, ahead of the next person's by --leftover-margin M; 1 = off), --leftover-seed X / --leftover-seed-margin M the same for seed-quality
  pool faces (album mean >= X, ahead of the next person's by M, people with >= N seed-quality
  faces, the face's best prototype cosine there >= --leftover-seed-nearest, at least
  --leftover-seed-people N people ranked; 1 = off),
  --small-merge X / --small-merge-margin M / --small-merge-max N the small-person
  merge (a machine person of <= N faces joins the album at average linkage >= X, ahead of every
  other by M; 1 = off), --collage X two faces of one photo at cosine >= X may be one person (the
  same face twice: a collage, a mirror; 2 = off); thresholds.ts, docs/clustering.md. --batch N: Visage's incremental path
  instead of a re-cluster (the faces added N at a time in id order, as scans add them). --orders N:
  cluster the same faces in N orders (the library's, then N-1 seeded shuffles: the baselines and
  Visage's incremental path depend on the order) and report the mean figures, with each order's
  F1 in the JSON (\`orders\`). --folders: the shuffles move whole folders (each identity's folder in
  a seeded order, its photos together, as a scan walks a library), not single faces.
  --distance (cosine distance) and --min-faces override the baselines' (dbscan: Immich, linear: Ente).
  --landmark-passes scans with that landmark mode (engine option; docs/speed.md).`;

/** ClusterMetrics over the labelled faces (rounded), with what was run. `faces` = every face clustered. */
export interface ClusterEval extends Omit<ClusterMetrics, 'faces'> {
  /** The tree's folder name. */
  set: string;
  algorithm: Algorithm;
  part: Part | 'all';
  /** How the tree was split into parts (null for --part all). */
  partRule: string | null;
  faces: number;
  /** Images scored: one labelled face each, plus the missed images (as unassigned singletons). */
  labelledFaces: number;
  /** Share of the labelled faces of identities with >= 3 images left unassigned (missed images included). */
  unassignedOf3: number;
  /**
   * --orders N > 1: the faces clustered in N orders (runAlgorithm's `order`), the figures above their means
   * (people too; the bystanders' figures are the library's own order's); each order's BCubed F1
   * and precision here. Null for one order.
   */
  orders: { n: number; f1: number[]; precision: number[] } | null;
  /** Images of the tree with no face found or that failed to index, counted as errors above. */
  missed: { count: number; images: { path: string; identity: string; reason: string }[] };
  /** Faces of labelled images that are not the subject (not scored above). */
  /**
   * Faces of labelled images that are not the subject (not scored above); `largestStrangerPerson`:
   * the most faces in one person where bystanders outnumber labelled faces (a "person" the user
   * would not recognise; a real person who recurs in the background counts too).
   */
  bystanders: { faces: number; unassigned: number; inSubjectPeople: number; largestStrangerPerson: number };
  model: string;
  thresholds: Partial<ModelThresholds>;
  /** The baseline's parameters (null for visage). */
  baseline: BaselineParams | null;
  seconds: number;
  scanSeconds: number;
  clusterSeconds: number;
}

export const command: CliCommand = {
  name: 'eval-clusters',
  summary: 'clustering quality (BCubed, pairwise F1) on a labelled <identity>/<image> tree',
  usage,
  async run(args) {
    const p = parseArgs(args, {
      values: {
        data: 'string', db: 'string', cluster: 'number', assign: 'number', 'min-size': 'number', quality: 'number', threads: 'number',
        algorithm: 'string', part: 'string', model: 'string', distance: 'number', 'min-faces': 'number', 'album-merge': 'number', 'album-merge-min': 'number', unrecognisable: 'number',
        leftover: 'number', 'leftover-min': 'number', 'leftover-seed': 'number', 'leftover-seed-margin': 'number', 'leftover-seed-min': 'number', 'leftover-seed-nearest': 'number', 'leftover-seed-people': 'number', 'pool-lead': 'number', 'leftover-margin': 'number', 'small-merge': 'number', 'small-merge-margin': 'number', 'small-merge-max': 'number', collage: 'number', batch: 'number', orders: 'number', 'landmark-passes': 'string',
      },
      booleans: ['json', 'no-scan', 'folders'],
    });
    if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
    const { data, algorithm, part, db: keep, noScan } = labelledTreeFlags(p);
    const modelArg = embedderFlag(p);
    const t0 = performance.now();
    const tmp = keep ? null : mkdtempSync(join(tmpdir(), 'visage-eval-clusters-'));
    const dbFile = keep ?? join(tmp!, 'eval.db');
    const store = Store.open(dbFile);
    try {
      if (!noScan) {
        await scanTree(store, [data], numberFlag(p, 'threads') ?? 1, 'eval-clusters', modelArg, { landmarkPasses: landmarkPassesFlag(p) });
      }
      const scanSeconds = (performance.now() - t0) / 1000;

      const overrides: Partial<ModelThresholds> = {};
      const c = numberFlag(p, 'cluster'), a = numberFlag(p, 'assign'), m = numberFlag(p, 'min-size'), q = numberFlag(p, 'quality');
      if (c !== undefined) overrides.cluster = c;
      if (a !== undefined) overrides.assign = a;
      if (m !== undefined) overrides.minClusterSize = m;
      if (q !== undefined) overrides.qualityMin = q;
      const am = numberFlag(p, 'album-merge'), amMin = numberFlag(p, 'album-merge-min'), lo = numberFlag(p, 'leftover'), loMin = numberFlag(p, 'leftover-min');
      if (am !== undefined) overrides.albumMerge = am;
      if (amMin !== undefined) overrides.albumMergeMinFaces = amMin;
      if (lo !== undefined) overrides.leftover = lo;
      if (loMin !== undefined) overrides.leftoverMinFaces = loMin;
      const ls = numberFlag(p, 'leftover-seed'), lsMargin = numberFlag(p, 'leftover-seed-margin');
      if (ls !== undefined) overrides.leftoverSeed = ls;
      if (lsMargin !== undefined) overrides.leftoverSeedMargin = lsMargin;
      const lsMin = numberFlag(p, 'leftover-seed-min');
      if (lsMin !== undefined) overrides.leftoverSeedMinFaces = lsMin;
      const lsNearest = numberFlag(p, 'leftover-seed-nearest');
      if (lsNearest !== undefined) overrides.leftoverSeedNearest = lsNearest;
      const lsPeople = numberFlag(p, 'leftover-seed-people');
      if (lsPeople !== undefined) overrides.leftoverSeedMinPeople = lsPeople;
      const poolLead = numberFlag(p, 'pool-lead');
      if (poolLead !== undefined) overrides.poolLead = poolLead;
      const lMargin = numberFlag(p, 'leftover-margin');
      if (lMargin !== undefined) overrides.leftoverMargin = lMargin;
      const sm = numberFlag(p, 'small-merge'), smMargin = numberFlag(p, 'small-merge-margin'), smMax = numberFlag(p, 'small-merge-max');
      if (sm !== undefined) overrides.smallMerge = sm;
      if (smMargin !== undefined) overrides.smallMergeMargin = smMargin;
      if (smMax !== undefined) overrides.smallMergeMaxFaces = smMax;
      const collage = numberFlag(p, 'collage');
      if (collage !== undefined) overrides.collage = collage;
      const ur = numberFlag(p, 'unrecognisable');
      if (ur !== undefined) overrides.unrecognisable = ur;
      // The model's own thresholds at 'normal' strictness (the library's choice does not apply to
      // an evaluation), then the flags'.
      const svc = peopleServiceFor(store.db, null, modelArg ? { overrides, model: modelArg } : { overrides });
      const th = svc.thresholds;
      const baseline: BaselineParams | null = algorithm === 'visage' ? null : baselineDefaults(svc.model, algorithm);
      if (baseline) {
        baseline.distance = numberFlag(p, 'distance') ?? baseline.distance;
        baseline.minFaces = numberFlag(p, 'min-faces') ?? baseline.minFaces;
      }

      const tree = labelledTree(store.db, data);
      const split = part === 'all' ? null : treeParts(data);
      const inPart = (identity: string) => !split || split.parts.get(identity) === part;
      const labelled = tree.faces.filter((l) => inPart(l.identity));
      const missed = tree.missed.filter((x) => inPart(x.identity));
      const bystanders = tree.bystanders.filter((b) => inPart(b.imageIdentity));
      // --part: the part's photos only (subjects and bystanders); all: every face of the library.
      const kept = new Set<number>([...labelled.map((l) => l.faceId), ...bystanders.map((b) => b.faceId)]);
      const faces = new ClusterRepo(store.db).faceColumns(svc.model, split ? (id) => kept.has(id) : () => true);

      // --orders N: the same faces in N orders (0: as scanned; k: a seeded shuffle), figures averaged
      const orders = numberFlag(p, 'orders') ?? 1;
      if (!Number.isInteger(orders) || orders < 1) throw new UsageError('--orders N needs a whole number >= 1');
      const truth = [...labelled.map((l) => l.identity), ...missed.map((x) => x.identity)];
      const count = new Map<string, number>();
      for (const t of truth) count.set(t, (count.get(t) ?? 0) + 1);
      const batch = numberFlag(p, 'batch');
      // --folders: each face's folder (its image's identity directory), as a row of `faces`
      let folderOf: Int32Array | null = null;
      if (p.flags.has('folders')) {
        const dirOf = new Map<number, string>([...labelled.map((l) => [l.faceId, l.identity] as const), ...bystanders.map((b) => [b.faceId, b.imageIdentity] as const)]);
        const dirs = [...new Set(dirOf.values())].sort();
        folderOf = Int32Array.from({ length: faces.n }, (_, i) => dirs.indexOf(dirOf.get(faces.ids[i]!) ?? ''));
      }
      const t1 = performance.now();
      const runs = Array.from({ length: orders }, (_, order) => {
        const assignment = runAlgorithm(algorithm, faces, th, baseline, { batch, order, ...(folderOf ? { folders: folderOf } : {}) });
        const personOf = (faceId: number) => assignment.get(faceId) ?? null;
        const predicted = [...labelled.map((l) => personOf(l.faceId)), ...missed.map(() => null)];
        const of3 = truth.map((t, i) => ({ t, p: predicted[i] })).filter((x) => (count.get(x.t) ?? 0) >= 3);
        return {
          personOf,
          metrics: clusterMetrics(truth, predicted),
          unassignedOf3: of3.length ? of3.filter((x) => x.p === null).length / of3.length : 0,
        };
      });
      const clusterSeconds = (performance.now() - t1) / 1000;
      const mean = (f: (r: (typeof runs)[number]) => number) => runs.reduce((a, r) => a + f(r), 0) / runs.length;
      const mt: ClusterMetrics = { ...runs[0]!.metrics };
      for (const k of ['bcubedPrecision', 'bcubedRecall', 'bcubedF1', 'pairwisePrecision', 'pairwiseRecall', 'pairwiseF1', 'unassigned', 'people'] as const) mt[k] = mean((r) => r.metrics[k]);
      // the bystanders' figures: the library's own order
      const personOf = runs[0]!.personOf;
      const subjectPeople = new Set(labelled.map((l) => personOf(l.faceId)).filter((x) => x !== null));
      const bystanderPeople = bystanders.map((b) => personOf(b.faceId));
      if (missed.length) progress(`eval-clusters: ${missed.length} image(s) with no face found or unreadable, counted as unassigned: ${missed.map((x) => x.path).join(', ')}`);
      const round = (x: number) => Math.round(x * 1e4) / 1e4;
      const result: ClusterEval = {
        set: basename(data),
        algorithm,
        part,
        partRule: split?.rule ?? null,
        bcubedPrecision: round(mt.bcubedPrecision),
        bcubedRecall: round(mt.bcubedRecall),
        bcubedF1: round(mt.bcubedF1),
        pairwisePrecision: round(mt.pairwisePrecision),
        pairwiseRecall: round(mt.pairwiseRecall),
        pairwiseF1: round(mt.pairwiseF1),
        identities: mt.identities,
        people: Math.round(mt.people * 10) / 10,
        faces: faces.n,
        labelledFaces: truth.length,
        unassigned: round(mt.unassigned),
        unassignedOf3: round(mean((r) => r.unassignedOf3)),
        orders: orders > 1 ? { n: orders, f1: runs.map((r) => round(r.metrics.bcubedF1)), precision: runs.map((r) => round(r.metrics.bcubedPrecision)) } : null,
        missed: { count: missed.length, images: missed },
        bystanders: {
          faces: bystanders.length,
          unassigned: bystanderPeople.filter((x) => x === null).length,
          inSubjectPeople: bystanderPeople.filter((x) => x !== null && subjectPeople.has(x)).length,
          largestStrangerPerson: largestStrangerPerson(labelled.map((l) => personOf(l.faceId)), bystanderPeople),
        },
        model: svc.model,
        thresholds: {
          cluster: th.cluster, assign: th.assign, minClusterSize: th.minClusterSize, qualityMin: th.qualityMin,
          albumMerge: th.albumMerge, albumMergeMinFaces: th.albumMergeMinFaces, leftover: th.leftover, leftoverMinFaces: th.leftoverMinFaces, leftoverSeed: th.leftoverSeed, leftoverSeedMargin: th.leftoverSeedMargin, leftoverSeedMinFaces: th.leftoverSeedMinFaces, leftoverSeedNearest: th.leftoverSeedNearest, leftoverSeedMinPeople: th.leftoverSeedMinPeople, leftoverMargin: th.leftoverMargin, smallMerge: th.smallMerge, smallMergeMargin: th.smallMergeMargin, smallMergeMaxFaces: th.smallMergeMaxFaces, unrecognisable: th.unrecognisable,
        },
        baseline,
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        scanSeconds: Math.round(scanSeconds * 10) / 10,
        clusterSeconds: Math.round(clusterSeconds * 100) / 100,
      };
      if (!p.flags.has('json')) {
        process.stdout.write(`${result.set} [${algorithm}, part ${part}] BCubed F1 ${result.bcubedF1} (P ${result.bcubedPrecision}, R ${result.bcubedRecall}), pairwise F1 ${result.pairwiseF1}, ${result.people} people for ${result.identities} identities; ${result.missed.count} image(s) with no face (counted unassigned); ${result.bystanders.faces} bystander face(s), ${result.bystanders.inSubjectPeople} in a subject's person\n`);
      }
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    } finally {
      store.close();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
  },
};

/** The most faces in one person where bystanders outnumber labelled faces (0 for none). */
function largestStrangerPerson(subjects: readonly (number | null)[], bystanders: readonly (number | null)[]): number {
  const n = new Map<number, { s: number; b: number }>();
  for (const p of subjects) if (p !== null) n.set(p, { s: (n.get(p)?.s ?? 0) + 1, b: n.get(p)?.b ?? 0 });
  for (const p of bystanders) if (p !== null) n.set(p, { s: n.get(p)?.s ?? 0, b: (n.get(p)?.b ?? 0) + 1 });
  let most = 0;
  for (const { s, b } of n.values()) if (b > s) most = Math.max(most, s + b);
  return most;
}
