/**
 * The tuning / reporting split of a labelled `<identity>/<image>` tree (issue 16: honest
 * calibration). Every threshold is chosen on the tuning part; figures are reported on the other.
 *
 * - LFW (a tree whose parent folder holds `people.txt`, i.e. `lfw-dev/images`): by the standard
 *   folds, which share no identity: folds 1-3 tune, folds 4-5 report.
 * - Any other tree (people-wild/*, people/*): by a fixed hash of the identity name. The identities
 *   (top folders) are ordered by the 32-bit FNV-1a hash of their name's UTF-8 bytes (ties by name);
 *   the first floor(n/2) tune, the other ceil(n/2) report. The split depends only on the folder
 *   names, never on what was detected or on the data's order.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type Part = 'tune' | 'report';

export const PARTS: readonly Part[] = ['tune', 'report'];

/** 32-bit FNV-1a of the string's UTF-8 bytes. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The hash split of a list of identity names (see the module comment). */
export function hashSplit(identities: readonly string[]): Map<string, Part> {
  const sorted = [...new Set(identities)].sort((a, b) => fnv1a32(a) - fnv1a32(b) || (a < b ? -1 : a > b ? 1 : 0));
  const tune = Math.floor(sorted.length / 2);
  return new Map(sorted.map((id, i) => [id, i < tune ? 'tune' : 'report']));
}

/** LFW's people.txt: identity -> fold (1-based). */
export function parseLfwFolds(text: string): Map<string, number> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const folds = Number(lines[0]);
  const out = new Map<string, number>();
  let at = 1;
  for (let f = 1; f <= folds; f++) {
    const count = Number(lines[at++]);
    for (let k = 0; k < count; k++) {
      const name = lines[at++]?.split('\t')[0];
      if (name) out.set(name, f);
    }
  }
  return out;
}

/** LFW folds 1-3 tune, 4-5 report. */
export const LFW_TUNE_FOLDS: readonly number[] = [1, 2, 3];

/** The split of the tree under `dataDir`: identity -> part, and how it was made. */
export function treeParts(dataDir: string): { parts: Map<string, Part>; rule: string } {
  const identities = readdirSync(dataDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name);
  const peopleTxt = join(dirname(dataDir.replace(/[\\/]+$/, '')), 'people.txt');
  if (existsSync(peopleTxt)) {
    const folds = parseLfwFolds(readFileSync(peopleTxt, 'utf8'));
    const parts = new Map<string, Part>();
    for (const id of identities) {
      const f = folds.get(id);
      if (f === undefined) throw new Error(`${id} is in no fold of ${peopleTxt}`);
      parts.set(id, LFW_TUNE_FOLDS.includes(f) ? 'tune' : 'report');
    }
    return { parts, rule: 'lfw-folds: 1-3 tune, 4-5 report' };
  }
  return { parts: hashSplit(identities), rule: 'fnv1a32(identity) order: first floor(n/2) tune, rest report' };
}
