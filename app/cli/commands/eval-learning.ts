/**
 * `visage eval-learning --data DIR --labeled K [--seed S]`: does learning from corrections help?
 * Indexes DIR (a tree <identity>/<image>; the largest face of each image is its labelled face),
 * then for each identity with at least K+3 images names K of its faces (chosen by the seed) as the
 * user would; the rest are test faces. Measures how the people feature assigns the test faces
 * (right named person / wrong person / unassigned) before training, runs the learning job
 * (adopted only if better on held-out labels), re-projects and re-clusters, and measures again.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type Database from 'better-sqlite3';
import { numberFlag, parseArgs, progress, stringFlag, UsageError, type CliCommand } from '../command';
import { DEFAULT_EMBEDDER } from '../../faces/models/registry';
import { embedderFlag } from '../engine-flags';
import { createLibraryAnalyzer } from '../../library/analyzer-pool';
import { pinLibraryModel, setLibraryModel } from '../../store/settings';
import { Scanner } from '../../library/scanner';
import { EvaluationRepo } from '../../store/evaluation-repo';
import { Store } from '../../store/store';
import { peopleServiceFor } from '../people-service';
import { trainingOptions } from '../training-options';
import { clusterMetrics } from '../../people/metrics';
import { LearningService } from '../../learning/learning-service';
import { Rng } from '../../learning/rng';
import { labelledFaces } from '../../eval/labelled-tree';
import { separability } from '../../eval/separability';

/** Numbers of strangers let in at which --separability reports the missing faces let in. */
const SEPARABILITY_BUDGETS = [25, 50, 75, 100, 150, 300];

const usage = `usage: visage eval-learning --data DIR --labeled K [--seed S] [--db FILE] [--model ID] [--separability] [--answer N] [--review] [--json]
  --model ID  scan and cluster with that embedder (default: the --db library's model, else the registry's default)
  --db FILE   a library of DIR scanned before (it is copied; its people are ignored)
  --separability  also report, before and after training, how many of the named people's
              missing faces a lower bar would let in per number of strangers let in, scoring by the
              nearest face and by the album mean (app/eval/separability.ts)
  --answer N  before training, answer the person page's "Is this Anna?" for the top N faces of
              every named person as the user would (Yes when it is that identity, else No); the
              figures under "answered" leave the answered faces out of the test faces
  --review    after training, answer the Learn screen's "Check what changed" list (the faces the
              switch put into named people) as the user would (Yes when the face is that identity,
              else No), then train once more; figures under "reviewed"
  --opt K=V   a training option (app/learning/train.ts TrainOptions), for experiments`;

interface Measure {
  accuracy: number;
  wrong: number;
  unassigned: number;
  bcubedF1: number;
  bcubedPrecision: number;
  bcubedRecall: number;
  strangersInNamed: number;
}

export const command: CliCommand = {
  name: 'eval-learning',
  summary: 'does learning from corrections improve people? (before/after on held-back faces)',
  usage,
  async run(args) {
    const p = parseArgs(args, { values: { data: 'string', labeled: 'number', seed: 'number', db: 'string', model: 'string', opt: 'strings', answer: 'number' }, booleans: ['json', 'separability', 'review'] });
    if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
    const data = stringFlag(p, 'data');
    const K = numberFlag(p, 'labeled');
    const seed = numberFlag(p, 'seed') ?? 1;
    const answerN = numberFlag(p, 'answer') ?? 0;
    if (!Number.isInteger(answerN) || answerN < 0) throw new UsageError('--answer N needs a whole number >= 0');
    if (!data) throw new UsageError('--data DIR is required');
    if (!existsSync(data) || !statSync(data).isDirectory()) throw new UsageError(`${data} is not a folder`);
    if (K === undefined || !Number.isInteger(K) || K < 1) throw new UsageError('--labeled K (a positive integer) is required');
    const cached = stringFlag(p, 'db');
    if (cached && !existsSync(cached)) throw new UsageError(`no database at ${cached}`);
    const modelArg = embedderFlag(p);
    const tmp = mkdtempSync(join(tmpdir(), 'visage-eval-learning-'));
    const dbFile = join(tmp, 'eval.db');
    if (cached) copyFileSync(cached, dbFile);
    const store = Store.open(dbFile);
    try {
      // A scratch copy of a scanned library: faces kept, every people decision and head forgotten.
      if (cached) new EvaluationRepo(store.db).resetPeople();
      if (modelArg) setLibraryModel(store.db, modelArg);
      const analyzer = await createLibraryAnalyzer({ embedder: pinLibraryModel(store.db, DEFAULT_EMBEDDER) });
      const scanner = new Scanner({ store, analyzer, thumbnails: null, concurrency: 4, progressIntervalMs: 5000 });
      scanner.on('progress', (pr: { done: number; found: number }) => progress(`eval-learning: indexed ${pr.done}/${pr.found}`));
      await scanner.scan([data]);
      await analyzer.close?.();

      const identityOf = new Map<number, string>();
      const byIdentity = new Map<string, number[]>();
      for (const { faceId, identity } of labelledFaces(store.db, data)) {
        identityOf.set(faceId, identity);
        byIdentity.set(identity, [...(byIdentity.get(identity) ?? []), faceId]);
      }
      // A scratch library of the evaluation: the model's own thresholds ('normal').
      const svc = peopleServiceFor(store.db, null);
      const rng = new Rng(seed);
      const test: number[] = [];
      let labelled = 0;
      let identities = 0;
      for (const [identity, faces] of [...byIdentity].sort((a, b) => a[0].localeCompare(b[0]))) {
        if (faces.length < K + 3) continue;
        const order = [...faces];
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(rng.next() * (i + 1));
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        svc.correct({ kind: 'split', faceIds: order.slice(0, K), name: identity });
        labelled += K;
        identities++;
        test.push(...order.slice(K));
      }
      if (!identities) throw new UsageError(`no identity in ${data} has ${K + 3} or more images`);

      const measure = (db: Database.Database = store.db, faces: readonly number[] = test): Measure => {
        const repo = new EvaluationRepo(db);
        let right = 0, wrong = 0;
        for (const f of faces) {
          const name = repo.nameOfFace(f);
          if (name === identityOf.get(f)) right++;
          else if (name !== null) wrong++;
        }
        const all = [...identityOf.keys()];
        const m = clusterMetrics(all.map((f) => identityOf.get(f)!), all.map((f) => repo.personOfFace(f)));
        // Faces of identities nobody named that ended up in a named person (false "Is this Anna?").
        let strangers = 0;
        const selected = new Set(test.map((f) => identityOf.get(f)));
        for (const f of all) if (!selected.has(identityOf.get(f)) && repo.nameOfFace(f)) strangers++;
        const n = faces.length;
        return {
          strangersInNamed: strangers, accuracy: round(right / n), wrong: round(wrong / n), unassigned: round((n - right - wrong) / n), bcubedF1: round(m.bcubedF1), bcubedPrecision: round(m.bcubedPrecision), bcubedRecall: round(m.bcubedRecall) };
      };
      svc.update();
      const before = measure();
      // Separability: the faces outside the named people, missing ones vs strangers (--separability).
      const named = new Map<string, number[]>();
      const evalRepo = new EvaluationRepo(store.db);
      for (const r of evalRepo.namedFaces()) {
        named.set(r.name, [...(named.get(r.name) ?? []), r.face_id]);
      }
      const inNamed = new Set([...named.values()].flat());
      const namedIdentities = new Set(test.map((f) => identityOf.get(f)!));
      const queries = [...identityOf].filter(([f]) => !inNamed.has(f)).map(([faceId, id]) => ({ faceId, identity: namedIdentities.has(id) ? id : null }));
      const curve = () => {
        const cache = new Map<number, Int8Array>();
        const vector = (id: number) => {
          let v = cache.get(id);
          if (!v) cache.set(id, (v = evalRepo.embedding(id)!));
          return v;
        };
        const input = { vector, gallery: named, queries, budgets: SEPARABILITY_BUDGETS, margin: svc.thresholds.margin };
        return { nearest: separability(input), album: separability({ ...input, score: 'album' }) };
      };
      const separabilityBefore = p.flags.has('separability') ? curve() : undefined;
      // The same library re-clustered without any training (on a scratch copy): a full re-cluster
      // alone differs from the incremental state, so this separates its share of the change from
      // the head's.
      const scratchFile = join(tmp, 'recluster-only.db');
      evalRepo.snapshotTo(scratchFile);
      const scratch = new BetterSqlite3(scratchFile);
      let reclusterOnly: Measure;
      try {
        peopleServiceFor(scratch, null).recluster();
        reclusterOnly = measure(scratch);
      } finally {
        scratch.close();
      }
      progress(`eval-learning: before ${JSON.stringify(before)}; re-clustered without training ${JSON.stringify(reclusterOnly)}; training`);
      // --answer N: the user answers "Is this Anna?" (people.suggestFaces) for each named person.
      let answered: { yes: number; no: number; faces: number[]; beforeDb: string } | null = null;
      if (answerN > 0) {
        const beforeDb = join(tmp, 'before.db');
        evalRepo.snapshotTo(beforeDb);
        answered = { yes: 0, no: 0, faces: [], beforeDb };
        const people = svc.listPeople({ includeHidden: true }).filter((x) => x.name !== null).sort((a, b) => a.id - b.id);
        for (const person of people) {
          const suggested = svc.suggestFaces(person.id, answerN).map((x) => x.faceId);
          const yes = suggested.filter((f) => identityOf.get(f) === person.name);
          const no = suggested.filter((f) => identityOf.get(f) !== person.name);
          if (yes.length) svc.correct({ kind: 'move', faceIds: yes, personId: person.id });
          if (no.length) svc.correct({ kind: 'reject', faceIds: no, personId: person.id });
          answered.yes += yes.length;
          answered.no += no.length;
          answered.faces.push(...suggested);
        }
        progress(`eval-learning: answered ${answered.yes} Yes and ${answered.no} No`);
      }
      const learning = new LearningService(store.db, svc);
      // --opt key=value: training options for experiments, e.g. --opt weightDecay=0.01
      const options = trainingOptions(p.values.opt as string[] | undefined);
      const outcome = await learning.train({
        options,
        onProgress: (pr) => progress(`eval-learning: epoch ${pr.epoch}/${pr.epochs} loss ${pr.loss} held-out accuracy ${pr.val.accuracy}`),
      });
      if (!outcome.adopted) progress(`eval-learning: head discarded: ${outcome.reason}`);
      const after = measure();
      // What the Learn screen asks the user to check: the faces the switch put into named people,
      // by what they really are.
      const changed = learning.summary().changes;
      let changes: { joined: number; right: number; wrong: number; strangers: number } | undefined;
      if (changed) {
        changes = { joined: changed.open, right: 0, wrong: 0, strangers: 0 };
        for (const person of changed.people) {
          const name = evalRepo.personName(person.personId);
          for (const f of person.faces) {
            const id = identityOf.get(f);
            if (id === name) changes.right++;
            else if (id !== undefined && namedIdentities.has(id)) changes.wrong++;
            else changes.strangers++; // another identity, or a face that is nobody's subject (a bystander)
          }
        }
      }
      const separabilityAfter = separabilityBefore ? curve() : undefined;
      // --review: the user checks the faces the switch put into named people (Yes confirms, No
      // rejects), then learns again from the answers.
      let reviewed: Record<string, unknown> | undefined;
      if (p.flags.has('review') && changed) {
        let yes = 0, no = 0;
        for (const person of changed.people) {
          const name = evalRepo.personName(person.personId);
          const confirm = person.faces.filter((f) => identityOf.get(f) === name);
          const reject = person.faces.filter((f) => identityOf.get(f) !== name);
          if (confirm.length) svc.correct({ kind: 'confirm', faceIds: confirm, personId: person.personId });
          if (reject.length) svc.correct({ kind: 'reject', faceIds: reject, personId: person.personId });
          yes += confirm.length;
          no += reject.length;
        }
        const checked = measure();
        const again = await learning.train({ options });
        const second = measure();
        const open = learning.summary().changes;
        reviewed = {
          yes,
          no,
          afterAnswers: checked,
          secondTraining: { adopted: again.adopted, reason: again.reason, seconds: again.seconds, after: second, toCheck: open?.open ?? null },
          errorCut: errorCut(second, before),
        };
      }
      let answers: Record<string, unknown> | undefined;
      if (answered) {
        const asked = new Set(answered.faces);
        const rest = test.filter((f) => !asked.has(f));
        const b = new BetterSqlite3(answered.beforeDb, { readonly: true });
        let beforeRest: Measure;
        try {
          beforeRest = measure(b, rest);
        } finally {
          b.close();
        }
        const afterRest = measure(store.db, rest);
        answers = {
          perPerson: answerN,
          yes: answered.yes,
          no: answered.no,
          testFaces: rest.length,
          before: beforeRest,
          after: afterRest,
          errorCut: errorCut(afterRest, beforeRest),
        };
      }
      const result = {
        before,
        after,
        reclusterOnly,
        identities,
        testFaces: test.length,
        labeled: labelled,
        trainSeconds: outcome.seconds,
        adopted: outcome.adopted,
        reason: outcome.reason,
        heldOut: { before: outcome.before, after: outcome.after },
        // The adoption check, counted, on the user's own held-back faces (app/learning/judge.ts).
        heldBack: outcome.heldBack,
        regroup: outcome.regroup,
        errorCut: errorCut(after, before),
        // The head's own share: errors cut against the re-clustered, untrained library.
        errorCutVsRecluster: errorCut(after, reclusterOnly),
        seed,
        ...(changes ? { changes } : {}),
        ...(reviewed ? { reviewed } : {}),
        ...(separabilityBefore ? { separability: { before: separabilityBefore, after: separabilityAfter } } : {}),
        ...(answers ? { answered: answers } : {}),
      };
      if (!p.flags.has('json')) {
        process.stdout.write(`accuracy ${before.accuracy} -> ${after.accuracy} (re-clustered without training: ${reclusterOnly.accuracy}), wrong ${before.wrong} -> ${after.wrong}, unassigned ${before.unassigned} -> ${after.unassigned} (${outcome.adopted ? 'adopted' : 'discarded'})\n`);
      }
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    } finally {
      store.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** The share of `before`'s errors (wrong + unassigned) that `after` no longer makes; null when `before` made none (nothing to cut). */
function errorCut(after: Measure, before: Measure): number | null {
  const was = before.wrong + before.unassigned;
  return was > 0 ? round(1 - (after.wrong + after.unassigned) / was) : null;
}
