/**
 * Settings' "Ignore faces smaller than N pixels" end to end in Chromium over photos scanned by the
 * real engine (`visage scan`, then `visage serve`): three close-ups of Amy (faces ~150 px) and four
 * photos with one small face each (~55 px: Amy, Howard twice, Raj, pasted small on a plain
 * background). Set to 80 in the UI, the small faces leave the People page, Amy's page and
 * "Unassigned faces", but stay in the database with their people; set back to 0, they come back
 * as they were.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { requireDatasets } from '../helpers/paths';
import { BBT, tempDir } from './fixtures';
import { ensureRendererBuilt, tearDown, type Served, openApp } from './serve';

const BIG = ['amy1', 'amy2', 'amy3'];
const SMALL = ['amy4', 'howard1', 'howard2', 'raj1'];

let dir: string;
let db: string;
let served: Served | null = null;
let browser: Browser;
let page: Page;
/** The face of each photo (one a photo), by its name without extension, and its box's larger side. */
const face: Record<string, { id: number; side: number }> = {};
/** Each face's person after the scan. */
let personOf = new Map<number, number | null>();
let amy = 0;
let howard = 0;
const origin = () => new URL(served!.url).origin;
const id = (name: string) => face[name]!.id;
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

function readDb<T>(fn: (d: BetterSqlite3.Database) => T): T {
  const d = new BetterSqlite3(db, { readonly: true });
  try {
    return fn(d);
  } finally {
    d.close();
  }
}
const assignments = () => readDb((d) => new Map(d.prepare<[], { id: number; person_id: number | null }>('SELECT f.id, fa.person_id FROM faces f LEFT JOIN face_assignments fa ON fa.face_id = f.id').all().map((r) => [r.id, r.person_id])));

/** The People page's cards: person id -> the "N photos" line. */
async function peopleCards(): Promise<Record<number, string>> {
  await page.goto(`${origin()}/#/people`);
  await page.waitForSelector('[data-screen=people] [data-person-id]');
  const cards = await page.locator('[data-screen=people] [data-person-id]').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-person-id')), e.querySelector('.meta')!.textContent!.trim()] as const));
  return Object.fromEntries(cards);
}

/** The faces "Unassigned faces" shows (every group and "Who are these?"). */
async function unassignedShown(): Promise<number[]> {
  await page.goto(`${origin()}/#/unassigned`);
  await page.waitForSelector('[data-screen=unassigned] [data-key], [data-screen=unassigned] .empty');
  return sorted(await page.locator('[data-screen=unassigned] [data-key]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-key')!.split(':')[1]))));
}

async function amyFaces(): Promise<number[]> {
  await page.goto(`${origin()}/#/person/${amy}`);
  await page.waitForSelector('[data-screen=person] [data-face-id]');
  return sorted(await page.locator('[data-screen=person] [data-face-id]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-face-id')))));
}

async function setMinFace(px: number, toast: string): Promise<void> {
  await page.goto(`${origin()}/#/settings`);
  await page.getByTestId('min-face').fill(String(px));
  await page.locator('.min-face').getByRole('button', { name: 'Apply' }).click();
  await page.getByTestId('toast').filter({ hasText: toast }).first().waitFor();
}

beforeAll(async () => {
  requireDatasets();
  ensureRendererBuilt();
  dir = tempDir('visage-e2e-small-');
  const lib = path.join(dir, 'Photos');
  fs.mkdirSync(lib);
  const src = (name: string) => path.join(BBT, name.replace(/\d+$/, ''), `${name}.png`);
  for (const name of BIG) fs.copyFileSync(src(name), path.join(lib, `${name}.png`));
  // A 150 px crop scaled to 60 px high, on a 480x360 background: a face of ~55 px.
  for (const name of SMALL) {
    const tile = await sharp(src(name)).resize({ height: 60 }).png().toBuffer();
    await sharp({ create: { width: 480, height: 360, channels: 3, background: '#7a8a7a' } })
      .composite([{ input: tile, left: 200, top: 150 }])
      .jpeg({ quality: 92 })
      .toFile(path.join(lib, `${name}.jpg`));
  }
  db = path.join(dir, 'visage.db');
  const scan = runCli(['scan', lib, '--db', db, '--json']);
  expect(scan.code, scan.stderr).toBe(0);
  readDb((d) => {
    for (const r of d.prepare<[], { id: number; path: string; w: number; h: number }>('SELECT f.id, p.path, f.w, f.h FROM faces f JOIN photos p ON p.id = f.photo_id').all()) {
      face[path.basename(r.path).replace(/\.\w+$/, '')] = { id: r.id, side: Math.max(r.w, r.h) };
    }
  });
  expect(Object.keys(face).sort(), 'one face found in each photo').toEqual([...BIG, ...SMALL].sort());
  for (const n of BIG) expect(face[n]!.side, n).toBeGreaterThan(120);
  for (const n of SMALL) expect(face[n]!.side, n).toBeLessThan(70);
  personOf = assignments();
  amy = personOf.get(id('amy1'))!;
  howard = personOf.get(id('howard1'))!;
  // As the scan grouped them: Amy's four faces, small one included; Howard's two; Raj's in no person.
  expect(amy).toBeGreaterThan(0);
  for (const n of ['amy2', 'amy3', 'amy4']) expect(personOf.get(id(n)), n).toBe(amy);
  expect(howard).toBeGreaterThan(0);
  expect(personOf.get(id('howard2'))).toBe(howard);
  expect(personOf.get(id('raj1'))).toBeNull();
  ({ served, browser, page } = await openApp(db));
}, 300_000);

afterAll(() => tearDown(browser, served, dir));

describe('"Ignore faces smaller than N pixels" (Chromium, real engine, real database)', () => {
  it('at 80 px the small faces leave People, the person page and Unassigned faces, and stay in the database', async () => {
    // Before: everyone.
    expect(await peopleCards()).toEqual({ [amy]: '4 photos', [howard]: '2 photos' });
    expect(await amyFaces()).toEqual(sorted(['amy1', 'amy2', 'amy3', 'amy4'].map(id)));
    expect(await unassignedShown()).toEqual([id('raj1')]);

    await setMinFace(80, 'Faces smaller than 80 px are ignored');
    // Howard (small faces only) is gone; Amy has her three close-ups.
    expect(await peopleCards()).toEqual({ [amy]: '3 photos' });
    expect(await amyFaces()).toEqual(sorted(BIG.map(id)));
    expect(await unassignedShown()).toEqual([]);
    await page.getByRole('heading', { name: 'All caught up' }).waitFor();
    // Hidden, not deleted: every face is still there, in the person it was in.
    expect(assignments()).toEqual(personOf);
  });

  it('set back to 0, the small faces come back as they were', async () => {
    await setMinFace(0, 'No face is ignored for its size');
    expect(await page.getByTestId('min-face').inputValue()).toBe('0');
    expect(await peopleCards()).toEqual({ [amy]: '4 photos', [howard]: '2 photos' });
    expect(await amyFaces()).toEqual(sorted(['amy1', 'amy2', 'amy3', 'amy4'].map(id)));
    expect(await unassignedShown()).toEqual([id('raj1')]);
    expect(assignments()).toEqual(personOf);
  });
});
