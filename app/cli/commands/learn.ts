/**
 * `visage learn --db FILE`: "Learn from my corrections" without the app. Trains a head from the
 * user's corrections, adopts it only if it is better on the held-out labels, re-projects the
 * library and re-groups people, exactly as the Learn screen does (learning-service.ts).
 * `--rollback HEAD` makes an earlier head (or 'base') the active one. A head switch that an
 * earlier run did not finish (a power cut, a kill) is finished first. `--opt KEY=VALUE` sets a
 * training option (app/learning/train-types.ts), for experiments.
 */
import { parseArgs, progress, stringFlag, UsageError, type CliCommand } from '../command';
import { NotFoundError } from '../../contract/errors';
import type { HeldBackCheck } from '../../contract/learning';
import { LearningService } from '../../learning/learning-service';
import { peopleServiceFor } from '../people-service';
import { resolveDbPath } from '../../platform/paths';
import { openStoreForReading } from '../open-store';
import { trainingOptions } from '../training-options';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** Before/after on the user's held-back faces, counted (nothing when there were too few to judge: the reason says so). */
function heldBackLine(h: HeldBackCheck): string {
  if (h.faces < h.need) return '';
  const rej = h.rejections ? `, put back where you said No ${h.before.rejectedIn} -> ${h.after.rejectedIn} of ${h.rejections}` : '';
  return `; your ${h.faces} held-back faces: right ${h.before.right} -> ${h.after.right}, wrong ${h.before.wrong} -> ${h.after.wrong}, nobody ${h.before.unassigned} -> ${h.after.unassigned}${rej}`;
}

export const command: CliCommand = {
  name: 'learn',
  summary: 'learn from your corrections: train, adopt only if better, re-group people',
  usage: 'usage: visage learn --db FILE [--rollback HEAD] [--opt KEY=VALUE ...] [--json]',
  async run(args) {
    const p = parseArgs(args, { values: { db: 'string', rollback: 'string', opt: 'strings' }, booleans: ['json'] });
    if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
    const json = p.flags.has('json');
    const dbPath = resolveDbPath(stringFlag(p, 'db'));
    const store = openStoreForReading(dbPath, 'visage learn');
    try {
      const learning = new LearningService(store.db, peopleServiceFor(store.db, dbPath));
      const onReproject = (r: { headId: string; done: number; total: number }) => progress(`learn: moving faces to ${r.headId}: ${r.done}/${r.total}`);
      const resumed = learning.pendingSwitch();
      if (resumed) {
        progress(`learn: finishing the switch to ${resumed} that an earlier run did not finish`);
        await learning.resumePending({ onReproject });
      }
      const rollback = stringFlag(p, 'rollback');
      if (rollback !== undefined) {
        let r;
        try {
          r = await learning.rollback(rollback, { onReproject });
        } catch (e) {
          if (e instanceof NotFoundError) throw new UsageError(`no head ${rollback}: "visage learn --db FILE --json" lists none; see the Learn screen's history`);
          throw e;
        }
        process.stdout.write(json ? `${JSON.stringify({ resumed, ...r })}\n` : `the library now uses ${r.active.id}; ${r.people.people} people\n`);
        return 0;
      }
      const summary = learning.summary();
      if (!summary.ready) {
        const why = `not enough to learn from yet: name at least ${summary.minPeople} people with two or more faces each (now ${summary.people})`;
        process.stdout.write(json ? `${JSON.stringify({ resumed, trained: false, reason: why, summary })}\n` : `${why}\n`);
        return 1;
      }
      const outcome = await learning.train({
        options: trainingOptions(p.values.opt as string[] | undefined),
        onProgress: (pr) => progress(`learn: epoch ${pr.epoch}/${pr.epochs}, loss ${pr.loss.toFixed(4)}, held-out ${pct(pr.val.accuracy)} right`),
        onReproject,
      });
      const { history: _history, ...brief } = outcome;
      process.stdout.write(
        json
          ? `${JSON.stringify({ resumed, trained: true, ...brief })}\n`
          : `${outcome.adopted ? `adopted ${outcome.head.id}` : `discarded ${outcome.head.id}`}: ${outcome.reason}${heldBackLine(outcome.heldBack)}${outcome.regroup ? `; faces you have not named: ${pct(outcome.regroup.share)} of their close pairs new (at most ${pct(outcome.regroup.max)})` : ''}${outcome.people ? `; ${outcome.people.people} people` : ''}\n`,
      );
      return 0;
    } finally {
      store.close();
    }
  },
};
