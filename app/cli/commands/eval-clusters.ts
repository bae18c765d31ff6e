/**
 * `visage eval-clusters --data DIR`: how well the people feature groups a labelled tree
 * `<identity>/<image>`. Indexes DIR into a fresh database (or --db FILE, reused when it already
 * holds the photos), takes the largest face of each image as that image's labelled face, clusters,
 * and prints BCubed and pairwise scores. Unassigned labelled faces count as singletons, and so do
 * images where no face was found (or that could not be read): their subject is in no album, an
 * error the scores must show (listed under `missed`). Faces other than an image's subject are not
 * labelled; they are reported apart (`bystanders`): how many, and how many went into a person
 * that holds some image's subject (where they would show in that person's album).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberFlag, parseArgs, progress, stringFlag, UsageError, type CliCommand } from '../command';
import { createLibraryAnalyzer } from '../../library/analyzer-pool';
import { Scanner } from '../../library/scanner';
import { Store } from '../../store/store';
import { peopleServiceFor } from '../people-service';
import { clusterMetrics, type ClusterMetrics } from '../../people/metrics';
import { labelledTree } from '../../eval/labelled-tree';
import type { ModelThresholds } from '../../people/thresholds';

const usage = `usage: visage eval-clusters --data DIR [--db FILE] [--cluster X] [--assign X] [--min-size N] [--quality X] [--json]
  DIR is a tree <identity>/<image>. --db keeps the indexed library (re-runs skip the scan).
  --cluster/--assign/--min-size/--quality override the model's clustering thresholds (calibration).`;

/** ClusterMetrics over the labelled faces (rounded), with what was run. `faces` = every face indexed. */
export interface ClusterEval extends Omit<ClusterMetrics, 'faces'> {
  faces: number;
  /** Images scored: one labelled face each, plus the missed images (as unassigned singletons). */
  labelledFaces: number;
  /** Images of the tree with no face found or that failed to index, counted as errors above. */
  missed: { count: number; images: { path: string; identity: string; reason: string }[] };
  /** Faces of labelled images that are not the subject (not scored above). */
  bystanders: { faces: number; unassigned: number; inSubjectPeople: number };
  model: string;
  thresholds: Partial<ModelThresholds>;
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
      values: { data: 'string', db: 'string', cluster: 'number', assign: 'number', 'min-size': 'number', quality: 'number', threads: 'number' },
      booleans: ['json'],
    });
    if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
    const data = stringFlag(p, 'data');
    if (!data) throw new UsageError('--data DIR is required');
    if (!existsSync(data) || !statSync(data).isDirectory()) throw new UsageError(`${data} is not a folder`);
    const t0 = performance.now();
    const keep = stringFlag(p, 'db');
    const tmp = keep ? null : mkdtempSync(join(tmpdir(), 'visage-eval-clusters-'));
    const dbFile = keep ?? join(tmp!, 'eval.db');
    const store = Store.open(dbFile);
    try {
      const analyzer = await createLibraryAnalyzer({ threads: numberFlag(p, 'threads') ?? 1 });
      const scanner = new Scanner({ store, analyzer, concurrency: 2, thumbnails: null, progressIntervalMs: 5000 });
      scanner.on('progress', (pr: { done: number; found: number }) => progress(`eval-clusters: indexed ${pr.done}/${pr.found}`));
      await scanner.scan([data]);
      await analyzer.close?.();
      const scanSeconds = (performance.now() - t0) / 1000;

      const overrides: Partial<ModelThresholds> = {};
      const c = numberFlag(p, 'cluster'), a = numberFlag(p, 'assign'), m = numberFlag(p, 'min-size'), q = numberFlag(p, 'quality');
      if (c !== undefined) overrides.cluster = c;
      if (a !== undefined) overrides.assign = a;
      if (m !== undefined) overrides.minClusterSize = m;
      if (q !== undefined) overrides.qualityMin = q;
      const t1 = performance.now();
      // A scratch library of the evaluation: the model's own thresholds ('normal'), then the flags'.
      const svc = peopleServiceFor(store.db, null, { overrides });
      svc.recluster();
      const clusterSeconds = (performance.now() - t1) / 1000;

      const tree = labelledTree(store.db, data);
      const labelled = tree.faces;
      const personOf = store.db.prepare<[number], { person_id: number }>('SELECT person_id FROM face_assignments WHERE face_id = ?');
      const truth = [...labelled.map((l) => l.identity), ...tree.missed.map((m) => m.identity)];
      const predicted = [...labelled.map((l) => personOf.get(l.faceId)?.person_id ?? null), ...tree.missed.map(() => null)];
      const mt = clusterMetrics(truth, predicted);
      const subjectPeople = new Set(labelled.map((l) => personOf.get(l.faceId)?.person_id).filter((x) => x !== undefined));
      const bystanderPeople = tree.bystanders.map((b) => personOf.get(b.faceId)?.person_id);
      if (tree.missed.length) progress(`eval-clusters: ${tree.missed.length} image(s) with no face found or unreadable, counted as unassigned: ${tree.missed.map((m) => m.path).join(', ')}`);
      const round = (x: number) => Math.round(x * 1e4) / 1e4;
      const result: ClusterEval = {
        bcubedPrecision: round(mt.bcubedPrecision),
        bcubedRecall: round(mt.bcubedRecall),
        bcubedF1: round(mt.bcubedF1),
        pairwisePrecision: round(mt.pairwisePrecision),
        pairwiseRecall: round(mt.pairwiseRecall),
        pairwiseF1: round(mt.pairwiseF1),
        identities: mt.identities,
        people: mt.people,
        faces: store.faces.count(),
        labelledFaces: truth.length,
        missed: { count: tree.missed.length, images: tree.missed },
        bystanders: {
          faces: tree.bystanders.length,
          unassigned: bystanderPeople.filter((x) => x === undefined).length,
          inSubjectPeople: bystanderPeople.filter((x) => x !== undefined && subjectPeople.has(x)).length,
        },
        unassigned: round(mt.unassigned),
        model: svc.model,
        thresholds: { cluster: svc.thresholds.cluster, assign: svc.thresholds.assign, minClusterSize: svc.thresholds.minClusterSize, qualityMin: svc.thresholds.qualityMin },
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        scanSeconds: Math.round(scanSeconds * 10) / 10,
        clusterSeconds: Math.round(clusterSeconds * 100) / 100,
      };
      if (!p.flags.has('json')) {
        process.stdout.write(`BCubed F1 ${result.bcubedF1} (P ${result.bcubedPrecision}, R ${result.bcubedRecall}), pairwise F1 ${result.pairwiseF1}, ${result.people} people for ${result.identities} identities; ${result.missed.count} image(s) with no face (counted unassigned); ${result.bystanders.faces} bystander face(s), ${result.bystanders.inSubjectPeople} in a subject's person\n`);
      }
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    } finally {
      store.close();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
  },
};
