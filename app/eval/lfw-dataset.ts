/**
 * The LFW dataset layout (as in ../shared/datasets/lfw-dev): images/<Name>/<Name>_NNNN.jpg,
 * people.txt (folds of identities) and pairs.txt (sets of matched and mismatched pairs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LfwPair {
  set: number;
  same: boolean;
  a: string;
  b: string;
}

export function lfwImagePath(dataDir: string, name: string, index: number): string {
  return join(dataDir, 'images', name, `${name}_${String(index).padStart(4, '0')}.jpg`);
}

/** Parse pairs.txt: first line = number of sets; per set "matched<TAB>mismatched" then the pairs. */
export function parsePairs(text: string, dataDir: string): LfwPair[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const header = lines[0]!.trim().split(/\s+/).map(Number);
  const sets = header[0]!;
  let i = 1;
  const pairs: LfwPair[] = [];
  // Two header styles exist: "10<TAB>300" (sets, n per kind) or "5" then per-set "300<TAB>300".
  const perSetHeader = header.length === 1;
  for (let s = 0; s < sets; s++) {
    let matched: number, mismatched: number;
    if (perSetHeader) {
      const h = lines[i++]!.trim().split(/\s+/).map(Number);
      matched = h[0]!;
      mismatched = h[1] ?? h[0]!;
    } else {
      matched = mismatched = header[1]!;
    }
    for (let k = 0; k < matched; k++) {
      const [name, x, y] = lines[i++]!.trim().split(/\t|\s+/);
      if (!name || !x || !y) throw new Error(`pairs.txt: bad matched pair at line ${i}`);
      pairs.push({ set: s + 1, same: true, a: lfwImagePath(dataDir, name, Number(x)), b: lfwImagePath(dataDir, name, Number(y)) });
    }
    for (let k = 0; k < mismatched; k++) {
      const [n1, x, n2, y] = lines[i++]!.trim().split(/\t|\s+/);
      if (!n1 || !x || !n2 || !y) throw new Error(`pairs.txt: bad mismatched pair at line ${i}`);
      pairs.push({ set: s + 1, same: false, a: lfwImagePath(dataDir, n1, Number(x)), b: lfwImagePath(dataDir, n2, Number(y)) });
    }
  }
  return pairs;
}

export function loadLfwPairs(dataDir: string, maxSets?: number): LfwPair[] {
  const file = join(dataDir, 'pairs.txt');
  if (!existsSync(file)) throw new Error(`${file} not found`);
  const pairs = parsePairs(readFileSync(file, 'utf8'), dataDir);
  return maxSets ? pairs.filter((p) => p.set <= maxSets) : pairs;
}
