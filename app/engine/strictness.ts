/**
 * The library's clustering strictness as threshold overrides for the people service.
 * (To be replaced by people/thresholds.ts's effectiveThresholds.)
 */
import type { Strictness } from '../contract/contract';
import type { PeopleServiceOptions } from '../people/people-service';

/** The thresholds strictness moves (PeopleService's `thresholds`). */
export interface BaseThresholds {
  cluster: number;
  assign: number;
  verify: number;
  album?: number;
  albumGroup?: number;
}

/**
 * Clustering strictness as threshold overrides: half the gap between the model's verification and
 * clustering thresholds, up (stricter) or down (looser), on the merge, the assign and (when the
 * model uses them) the album thresholds.
 */
export function strictnessOverrides(base: BaseThresholds | undefined, s: Strictness): PeopleServiceOptions['overrides'] {
  if (!base || s === 'normal') return undefined;
  const step = Math.max(0.005, (base.cluster - base.verify) / 2) * (s === 'strict' ? 1 : -1);
  const clamp = (x: number) => Math.min(0.995, Math.max(-0.99, x));
  const out: NonNullable<PeopleServiceOptions['overrides']> = { cluster: clamp(base.cluster + step), assign: clamp(base.assign + step) };
  if (base.album !== undefined && base.album < 1) out.album = clamp(base.album + step);
  if (base.albumGroup !== undefined && base.albumGroup < 1) out.albumGroup = clamp(base.albumGroup + step);
  return out;
}
