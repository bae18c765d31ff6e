/**
 * `--opt key=value` (repeatable): training options for `visage learn` and `visage eval-learning`
 * (app/learning/train-types.ts, TrainOptions). The key must be a known option and the value of the
 * default's type (a number, true/false, or a word); the trainer's own checks then apply.
 */
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../learning/train-types';
import { UsageError } from './command';

export function trainingOptions(pairs: readonly string[] | undefined): Partial<TrainOptions> {
  const out: Record<string, number | string | boolean> = {};
  const defaults = DEFAULT_TRAIN_OPTIONS as unknown as Record<string, unknown>;
  for (const kv of pairs ?? []) {
    const eq = kv.indexOf('=');
    const key = eq > 0 ? kv.slice(0, eq) : '';
    const value = eq > 0 ? kv.slice(eq + 1) : '';
    if (!key || !value) throw new UsageError(`--opt needs key=value, got ${kv}`);
    if (!(key in defaults)) throw new UsageError(`--opt ${key}: no such training option (known: ${Object.keys(defaults).join(', ')})`);
    const kind = typeof defaults[key];
    if (kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`--opt ${key} needs a number, got ${value}`);
      out[key] = n;
    } else if (kind === 'boolean') {
      if (value !== 'true' && value !== 'false') throw new UsageError(`--opt ${key} needs true or false, got ${value}`);
      out[key] = value === 'true';
    } else out[key] = value;
  }
  return out;
}
