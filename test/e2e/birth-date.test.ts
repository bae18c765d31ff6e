/**
 * The birth-date rule end to end in Chromium over photos scanned by the real engine (`visage scan`,
 * then `visage serve`): five photos of Sheldon, two dated (file date: no EXIF date in them) before
 * the birthday the user then types on his page, three after. The two early faces leave him and are
 * offered neither by "Is this Sheldon?" nor on "Unassigned faces", a re-group does not give
 * them back, and "Same person?" does not offer the person they then make up; the later ones stay
 * his, and a later face in no person is offered. Screenshot:
 * person-birthday.png (his photos with his age on each).
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { requireDatasets } from '../helpers/paths';
import { BBT, tempDir } from './fixtures';
import { docScreenshot, ensureRendererBuilt, pageCall, tearDown, type Served, openApp } from './serve';

/** Each photo's file date; the birthday typed in is 2020-01-01. */
const DATES: Record<string, string> = {
  'sheldon1.png': '2015-06-01',
  'sheldon2.png': '2016-06-01',
  'sheldon3.png': '2021-03-01',
  'sheldon4.png': '2023-06-01',
  'sheldon5.png': '2020-08-20',
  'penny1.png': '2022-01-01',
  'penny2.png': '2022-01-01',
};
const BIRTHDAY = '2020-01-01';

let dir: string;
let db: string;
let served: Served | null = null;
let browser: Browser;
let page: Page;
/** The face of each photo (one face a photo). */
const face: Record<string, number> = {};
let sheldon = 0;
const call = <T>(method: string, params?: unknown): Promise<T> => pageCall<T>(page, method, params);
const origin = () => new URL(served!.url).origin;

const early = () => [face['sheldon1.png']!, face['sheldon2.png']!];
const later = () => [face['sheldon3.png']!, face['sheldon4.png']!];
const shownFaces = () => page.locator('[data-screen=person] [data-face-id]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-face-id'))).sort((a, b) => a - b));
const suggested = () => page.locator('[data-suggested-face]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-suggested-face'))));
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

async function openPerson(tab: RegExp): Promise<void> {
  await page.goto(`${origin()}/#/person/${sheldon}`);
  await page.waitForSelector('[data-screen=person] [data-testid=face-total]');
  await page.getByRole('tab', { name: tab }).click();
}

beforeAll(async () => {
  requireDatasets();
  ensureRendererBuilt();
  dir = tempDir('visage-e2e-birth-');
  const lib = path.join(dir, 'Photos');
  fs.mkdirSync(lib);
  for (const [f, date] of Object.entries(DATES)) {
    const who = f.replace(/\d\.png$/, '');
    fs.copyFileSync(path.join(BBT, who, f), path.join(lib, f));
    fs.utimesSync(path.join(lib, f), new Date(`${date}T12:00:00Z`), new Date(`${date}T12:00:00Z`));
  }
  db = path.join(dir, 'visage.db');
  const scan = runCli(['scan', lib, '--db', db, '--json']);
  expect(scan.code, scan.stderr).toBe(0);
  const check = new BetterSqlite3(db);
  try {
    const rows = check.prepare<[], { id: number; path: string }>('SELECT f.id, p.path FROM faces f JOIN photos p ON p.id = f.photo_id').all();
    for (const r of rows) face[path.basename(r.path)] = r.id;
    expect(Object.keys(face).sort(), 'one face found in each photo').toEqual(Object.keys(DATES).sort());
    // The scan put all five of Sheldon's faces into one person (checked below); sheldon5's goes
    // back to the pool, as if the clustering had missed it, to be offered by "Is this Sheldon?".
    check.prepare('DELETE FROM face_assignments WHERE face_id = ?').run(face['sheldon5.png']!);
  } finally {
    check.close();
  }
  ({ served, browser, page } = await openApp(db));
}, 300_000);

afterAll(() => tearDown(browser, served, dir));

describe('a face from before a birthday (Chromium, real engine, real database)', () => {
  it('leaves the person when the birthday is typed in; "Is this Sheldon?" offers a later face, never an earlier one', async () => {
    sheldon = (await call<{ personId: number | null }>('people.face', { id: face['sheldon3.png']! })).personId!;
    expect(sheldon).toBeGreaterThan(0);
    await call('people.correct', { kind: 'name', personId: sheldon, name: 'Sheldon' });
    // Before: his four faces, early ones included; the later face in no person is offered.
    await openPerson(/^Faces/);
    await expect.poll(shownFaces).toEqual(sorted([...early(), ...later()]));
    await page.getByTestId('suggested-tab').click();
    await expect.poll(suggested).toEqual([face['sheldon5.png']!]);

    await page.getByRole('tab', { name: /^Faces/ }).click();
    await page.getByTestId('birthday').fill(BIRTHDAY);
    await page.getByTestId('toast').filter({ hasText: `Birthday set to ${BIRTHDAY}` }).first().waitFor();
    // The early faces left him; the later ones stay.
    await expect.poll(shownFaces).toEqual(sorted(later()));
    await expect.poll(() => page.getByTestId('face-total').textContent()).toBe('2');
    for (const f of early()) expect((await call<{ personId: number | null }>('people.face', { id: f })).personId).toBeNull();
    // Both early faces are in the pool now, as close to him as ever, and still not offered.
    await page.getByTestId('suggested-tab').click();
    await page.waitForSelector('[data-suggested-face]');
    await expect.poll(suggested).toEqual([face['sheldon5.png']!]);
  });

  it('"Unassigned faces" shows the early faces but never asks "Is this Sheldon?" about them', async () => {
    await page.goto(`${origin()}/#/unassigned`);
    await page.waitForSelector('[data-screen=unassigned] [data-key]');
    const keys = await page.locator('[data-screen=unassigned] [data-key]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')!));
    const faceOfKey = (k: string) => Number(k.split(':')[1]);
    // Every unassigned face is on the page: the two early ones and sheldon5's.
    expect(sorted(keys.map(faceOfKey))).toEqual(sorted([...early(), face['sheldon5.png']!]));
    // Under Sheldon: only the later face.
    expect(keys.filter((k) => k.startsWith(`${sheldon}:`))).toEqual([`${sheldon}:${face['sheldon5.png']!}`]);
    expect(await page.locator(`[data-group-person="${sheldon}"]`).getByRole('heading').textContent()).toBe('Is this Sheldon?');
  });

  it('Yes puts the later face on him; "Re-group everyone" never gives him the early faces; his photos show his age', async () => {
    await openPerson(/^Is this Sheldon/);
    await page.locator(`[data-suggested-face="${face['sheldon5.png']!}"]`).getByRole('button', { name: 'Yes, this is Sheldon' }).click();
    await expect.poll(async () => (await call<number[]>('people.faceIds', { id: sheldon })).includes(face['sheldon5.png']!)).toBe(true);

    await page.goto(`${origin()}/#/settings`);
    await page.getByRole('button', { name: 'Re-group everyone now' }).click();
    await page.getByTestId('toast').filter({ hasText: /^Re-grouped:/ }).first().waitFor({ timeout: 60_000 });

    await openPerson(/^Faces/);
    await expect.poll(shownFaces).toEqual(sorted([...later(), face['sheldon5.png']!]));
    for (const f of early()) expect((await call<{ personId: number | null }>('people.face', { id: f })).personId).not.toBe(sheldon);

    // His age on each of his photos (born 2020-01-01).
    await page.getByRole('tab', { name: /^Photos/ }).click();
    await expect.poll(() => page.getByTestId('photo-age').count()).toBe(3);
    const ages = await page.locator('[data-screen=person] a.photo').evaluateAll((els) =>
      els.map((e) => [e.getAttribute('title')!.split('/').pop(), e.querySelector('[data-testid=photo-age]')?.textContent] as const),
    );
    expect(Object.fromEntries(ages)).toEqual({ 'sheldon3.png': '1 year old', 'sheldon4.png': '3 years old', 'sheldon5.png': '7 months old' });
    expect(await page.getByTestId('birthday').inputValue()).toBe(BIRTHDAY);
    await docScreenshot(page, 'person-birthday');
  });

  it('"Same person?" never offers him with the person the early faces make up; without the birthday it would', async () => {
    // The re-group made the early faces a person of their own (they are one face, as like him as ever).
    const holders = new Set(await Promise.all(early().map(async (f) => (await call<{ personId: number | null }>('people.face', { id: f })).personId)));
    expect(holders.size).toBe(1);
    const other = [...holders][0]!;
    expect(other).not.toBeNull();
    const pairKeys = () => page.locator('[data-testid=same-person-pair]').evaluateAll((els) => els.map((e) => e.getAttribute('data-pair')!));
    const openSamePerson = async () => {
      await page.goto(`${origin()}/#/same-person`);
      await page.waitForSelector('[data-testid=same-person-empty], [data-testid=same-person-pair]');
    };
    await openSamePerson();
    await page.getByTestId('same-person-empty').waitFor();
    await expect.poll(() => page.getByTestId('nav-same-person-count').textContent()).toBe('0');

    // Control: with his birthday cleared, that very pair is offered; Undo puts the birthday back and takes it away.
    await openPerson(/^Faces/);
    await page.getByRole('button', { name: 'Clear birthday' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Birthday removed' }).first().waitFor();
    await openSamePerson();
    await expect.poll(pairKeys).toEqual([[sheldon, other].sort((a, b) => a - b).join('-')]);
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await call<{ birthDate: string | null }>('people.get', { id: sheldon })).birthDate).toBe(BIRTHDAY);
    await page.getByTestId('same-person-empty').waitFor();
  });
});
