/**
 * `visage people --sort --filter`: the People page's orders and filters from the command line
 * (the engine sorts and filters for both: app/people/people-list-order.ts), on photos of four
 * people scanned by the real engine, two of them named and one hidden.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { PEOPLE } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'visage-people-order-'));
const db = join(dir, 'lib.db');
/** Each person's photos: how many, and their file date (no EXIF date in these photos). */
const WHO = { John_Salley: [4, '2019-05-01'], John_Savage: [3, '2023-05-01'], John_Schneider: [3, '2021-05-01'], John_Shimkus: [2, '2024-05-01'] } as const;
type Who = keyof typeof WHO;
/** The person id of each folder's faces. */
const id = {} as Record<Who, number>;

interface Person {
  id: number;
  name: string | null;
  hidden: boolean;
  photoCount: number;
}

const people = (...args: string[]): Person[] => {
  const r = runCli(['people', '--db', db, ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return r.lastJson();
};
const order = (...args: string[]): number[] => people(...args).map((p) => p.id);

beforeAll(() => {
  const src = join(PEOPLE, 'dlib-johns');
  for (const [who, [n, date]] of Object.entries(WHO)) {
    mkdirSync(join(dir, 'lib', who), { recursive: true });
    for (const f of readdirSync(join(src, who)).sort().slice(0, n)) {
      copyFileSync(join(src, who, f), join(dir, 'lib', who, f));
      utimesSync(join(dir, 'lib', who, f), new Date(`${date}T12:00:00Z`), new Date(`${date}T12:00:00Z`));
    }
  }
  const scan = runCli(['scan', join(dir, 'lib'), '--db', db, '--json', '--no-thumbnails']);
  expect(scan.code, scan.stderr).toBe(0);
  for (const p of people()) {
    const faces = runCli(['person', '--db', db, '--person', String(p.id), '--json']).lastJson().faces as { photoPath: string }[];
    const folders = new Set(faces.map((f) => basename(dirname(f.photoPath))));
    expect(folders.size, `person ${p.id} is one of the four`).toBe(1);
    id[[...folders][0] as Who] = p.id;
  }
  expect(Object.keys(id).sort()).toEqual(Object.keys(WHO).sort());
  // Schneider is "Zed", Shimkus "Amy"; Salley (the most photos) is hidden.
  expect(runCli(['name', '--db', db, '--person', String(id.John_Schneider), '--name', 'Zed', '--json']).code).toBe(0);
  expect(runCli(['name', '--db', db, '--person', String(id.John_Shimkus), '--name', 'Amy', '--json']).code).toBe(0);
  expect(runCli(['hide', '--db', db, '--person', String(id.John_Salley), '--json']).code).toBe(0);
}, 300_000);

describe('visage people --sort --filter', () => {
  it('sorts named first (the default), by most photos, by name and by most recent photo; a tie in photos goes by name', () => {
    const { John_Salley: salley, John_Savage: savage, John_Schneider: zed, John_Shimkus: amy } = id;
    expect(people().map((p) => p.photoCount)).toEqual([3, 2, 3]);
    // Named first: Zed (3 photos) and Amy (2), then the unnamed.
    expect(order()).toEqual([zed, amy, savage]);
    expect(order('--sort', 'named-first')).toEqual([zed, amy, savage]);
    // Savage and Zed both have 3 photos of 3 faces: by name, no name before "Zed".
    expect(order('--sort', 'photos')).toEqual([savage, zed, amy]);
    expect(order('--sort', 'name')).toEqual([amy, zed, savage]);
    expect(order('--sort', 'recent')).toEqual([amy, savage, zed]);
    // --hidden adds the hidden person in its place in the order.
    expect(order('--sort', 'photos', '--hidden')).toEqual([salley, savage, zed, amy]);
    expect(order('--sort', 'recent', '--hidden')).toEqual([amy, savage, zed, salley]);
  });

  it('filters everyone, the named, the unnamed or the hidden people; searches names', () => {
    const { John_Salley: salley, John_Savage: savage, John_Schneider: zed, John_Shimkus: amy } = id;
    expect(order('--filter', 'all')).toEqual([zed, amy, savage]);
    expect(order('--filter', 'named')).toEqual([zed, amy]);
    expect(order('--filter', 'named', '--sort', 'name')).toEqual([amy, zed]);
    expect(order('--filter', 'unnamed')).toEqual([savage]);
    expect(order('--filter', 'unnamed', '--hidden', '--sort', 'photos')).toEqual([salley, savage]);
    expect(people('--filter', 'hidden')).toEqual([expect.objectContaining({ id: salley, hidden: true, name: null })]);
    expect(order('--query', 'ZED')).toEqual([zed]);
    expect(order('--query', 'unnamed', '--hidden')).toEqual([salley, savage]);
  });

  it('refuses an unknown order or filter with exit code 2, naming the choices', () => {
    const sort = runCli(['people', '--db', db, '--sort', 'size']);
    expect(sort.code).toBe(2);
    expect(sort.stderr).toContain('--sort must be one of named-first, photos, name, recent, got "size"');
    const filter = runCli(['people', '--db', db, '--filter', 'Named']);
    expect(filter.code).toBe(2);
    expect(filter.stderr).toContain('--filter must be one of all, named, unnamed, hidden, got "Named"');
    expect(runCli(['people', '--db', db, '--sort']).code).toBe(2);
  });
});
