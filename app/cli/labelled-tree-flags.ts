/**
 * The flags `visage eval-clusters` and `visage eval-user` share: the labelled tree (--data DIR,
 * `<identity>/<image>`), its part (--part tune|report|all, app/eval/cluster-parts.ts), the grouping
 * algorithm (--algorithm visage|dbscan|linear) and the library kept between runs (--db FILE,
 * --no-scan reusing it). Checked once here so both commands refuse the same bad input alike.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringFlag, UsageError, type ParsedArgs } from './command';
import { ALGORITHMS, isAlgorithm, type Algorithm } from '../eval/cluster-algorithms';
import type { Part } from '../eval/cluster-parts';

export interface LabelledTreeFlags {
  /** The tree's folder, absolute. */
  data: string;
  part: Part | 'all';
  algorithm: Algorithm;
  /** --db FILE: the scanned library to keep (and reuse with --no-scan). */
  db: string | undefined;
  noScan: boolean;
}

export function labelledTreeFlags(p: ParsedArgs): LabelledTreeFlags {
  const dataArg = stringFlag(p, 'data');
  if (!dataArg) throw new UsageError('--data DIR is required');
  if (!existsSync(dataArg) || !statSync(dataArg).isDirectory()) throw new UsageError(`${dataArg} is not a folder`);
  const part = stringFlag(p, 'part') ?? 'all';
  if (part !== 'all' && part !== 'tune' && part !== 'report') throw new UsageError('--part must be tune, report or all');
  const algorithm = stringFlag(p, 'algorithm') ?? 'visage';
  if (!isAlgorithm(algorithm)) throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}`);
  const db = stringFlag(p, 'db');
  const noScan = p.flags.has('no-scan');
  if (noScan && (!db || !existsSync(db))) throw new UsageError('--no-scan needs --db FILE of a library already scanned');
  return { data: resolve(dataArg), part, algorithm, db, noScan };
}
