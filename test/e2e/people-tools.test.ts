/**
 * End to end in Chromium over photos scanned by the real engine (`visage scan` + `visage cluster`,
 * then `visage serve`): a birthday and the age it gives on the photo view and the person page,
 * "With…" (photos of people together, and of only them), the People page's order and filters,
 * and "Hide unnamed people with at most N photos" (one step, undone). Screenshots:
 * people-sort-filter.png, person-with.png and people-hide-small.png (docs/screenshots/, as
 * browser-flow writes them).
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { requireDatasets } from '../helpers/paths';
import { assembleLibrary, BBT, ROOT, tempDir } from './fixtures';
import { ensureRendererBuilt, pageCall, tearDown, type Served, docScreenshot, openApp } from './serve';

const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e-screens');
const DOCS = path.join(ROOT, 'docs', 'screenshots');

interface Person {
  id: number;
  name: string | null;
  hidden: boolean;
  faceCount: number;
  photoCount: number;
  birthDate: string | null;
}

let dir: string;
let served: Served | null = null;
let browser: Browser;
let page: Page;
const call = <T>(method: string, params?: unknown): Promise<T> => pageCall<T>(page, method, params);

const shot = (name: string) => docScreenshot(page, name);

/** One photo of several cast photos side by side (each scaled to 400 px high): people together. */
async function sideBySide(out: string, sources: string[]): Promise<void> {
  const tiles = await Promise.all(sources.map((s) => sharp(s).resize({ height: 400 }).png().toBuffer({ resolveWithObject: true })));
  const width = tiles.reduce((w, t) => w + t.info.width, 0);
  let left = 0;
  const composite = tiles.map((t) => {
    const c = { input: t.data, left, top: 0 };
    left += t.info.width;
    return c;
  });
  await sharp({ create: { width, height: 400, channels: 3, background: '#808080' } }).composite(composite).jpeg({ quality: 92 }).toFile(out);
}

/** Rows of side-by-side photos, one above the other (each row 400 px high). */
async function rows(out: string, list: string[][]): Promise<void> {
  const made = await Promise.all(
    list.map(async (r, i) => {
      const f = `${out}.row${i}.png`;
      await sideBySide(f, r);
      return f;
    }),
  );
  const metas = await Promise.all(made.map((f) => sharp(f).metadata()));
  const width = Math.max(...metas.map((m) => m.width ?? 0));
  await sharp({ create: { width, height: 400 * list.length, channels: 3, background: '#808080' } })
    .composite(made.map((f, i) => ({ input: f, left: 0, top: 400 * i })))
    .jpeg({ quality: 92 })
    .toFile(out);
  for (const f of made) fs.rmSync(f);
}

const cast = (who: string, i: number) => path.join(BBT, who, `${who}${i}.png`);
/** Every photo's file date (no EXIF date in these files): ages are counted at it. */
const FILE_DATE = new Date('2024-06-01T12:00:00Z');

/** The person holding the face of a cast file (amy2.png -> the person of that photo's face). */
async function personOf(file: string): Promise<number> {
  const people = await call<Person[]>('people.list', { includeHidden: true });
  for (const p of people) {
    const faces = await call<{ photoPath: string }[]>('people.faces', { id: p.id });
    if (faces.some((f) => f.photoPath.endsWith(`/cast/${file}`))) return p.id;
  }
  throw new Error(`no person holds ${file}`);
}

const cardIds = () => page.locator('[data-person-id]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-person-id'))));

beforeAll(async () => {
  requireDatasets();
  ensureRendererBuilt();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.mkdirSync(DOCS, { recursive: true });
  dir = tempDir('visage-e2e-tools-');
  const lib = assembleLibrary(dir, { people: ['amy', 'penny', 'leonard', 'sheldon'], perPerson: 3 });
  // Amy and Penny together twice; Amy, Penny and Leonard once.
  fs.mkdirSync(path.join(lib, 'together'));
  await sideBySide(path.join(lib, 'together', 'amy-penny-1.jpg'), [cast('amy', 4), cast('penny', 4)]);
  await sideBySide(path.join(lib, 'together', 'amy-penny-2.jpg'), [cast('penny', 5), cast('amy', 5)]);
  await rows(path.join(lib, 'together', 'amy-penny-leonard.jpg'), [[cast('amy', 4), cast('penny', 4)], [cast('leonard', 4)]]);
  for (const sub of ['cast', 'groups', 'together']) for (const f of fs.readdirSync(path.join(lib, sub))) fs.utimesSync(path.join(lib, sub, f), FILE_DATE, FILE_DATE);
  const db = path.join(dir, 'data', 'visage.db');
  fs.mkdirSync(path.dirname(db), { recursive: true });
  const scan = runCli(['scan', lib, '--db', db, '--json']);
  expect(scan.code, scan.stderr).toBe(0);
  const cluster = runCli(['cluster', '--db', db, '--json']);
  expect(cluster.code, cluster.stderr).toBe(0);
  ({ served, browser, page } = await openApp(db));
}, 300_000);

afterAll(() => tearDown(browser, served, dir));

describe('people tools in Chromium (real engine, real database)', () => {
  let amy = 0;
  let penny = 0;

  it('names Amy and Penny; the People page sorts by name and photos and filters named / unnamed', async () => {
    amy = await personOf('amy2.png');
    penny = await personOf('penny2.png');
    expect(amy).not.toBe(penny);
    await call('people.correct', { kind: 'name', personId: amy, name: 'Amy' });
    await call('people.correct', { kind: 'name', personId: penny, name: 'Penny' });
    const everyone = await call<Person[]>('people.list');
    await page.goto(`${new URL(served!.url).origin}/#/people`);
    await page.waitForSelector('[data-screen=people] [data-person-id]');

    const sort = page.getByRole('combobox', { name: 'Sort by' });
    const show = page.getByRole('combobox', { name: 'Show', exact: true });
    await sort.selectOption('photos');
    const byPhotos = [...everyone].sort((a, b) => b.photoCount - a.photoCount || b.faceCount - a.faceCount || (a.name ?? '').localeCompare(b.name ?? '') || a.id - b.id);
    await expect.poll(cardIds).toEqual(byPhotos.map((p) => p.id));
    await sort.selectOption('name');
    await expect.poll(async () => (await cardIds()).slice(0, 2)).toEqual([amy, penny]);
    await show.selectOption('named');
    await expect.poll(cardIds).toEqual([amy, penny]);
    await show.selectOption('unnamed');
    await expect.poll(async () => (await cardIds()).sort((a, b) => a - b)).toEqual(everyone.filter((p) => !p.name).map((p) => p.id).sort((a, b) => a - b));
    await show.selectOption('all');
    // Keyboard: the sort control is reached with Tab and changed with the arrows.
    await sort.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => sort.inputValue()).toBe('recent');
    await shot('people-sort-filter');
    // Remembered for the session: away and back, the order is still "most recent photo".
    await page.goto(`${new URL(served!.url).origin}/#/scan`);
    await page.goto(`${new URL(served!.url).origin}/#/people`);
    await expect.poll(() => page.getByRole('combobox', { name: 'Sort by' }).inputValue()).toBe('recent');
  });

  it("sets Amy's birthday on her page; her age shows on her photos and on the photo view", async () => {
    await page.goto(`${new URL(served!.url).origin}/#/person/${amy}`);
    await page.waitForSelector('[data-screen=person] [data-face-id]');
    await page.getByTestId('birthday').fill('2020-03-15');
    await page.getByTestId('toast').filter({ hasText: 'Birthday set to 2020-03-15' }).first().waitFor();
    await expect.poll(async () => (await call<Person>('people.get', { id: amy })).birthDate).toBe('2020-03-15');
    await page.getByRole('tab', { name: /^Photos/ }).click();
    // Every photo dated 2024-06-01: 4 years old on each.
    await page.getByTestId('photo-age').first().waitFor();
    expect(new Set(await page.getByTestId('photo-age').allTextContents())).toEqual(new Set(['4 years old']));
    await page.locator('[data-screen=person] a.photo').first().click();
    await page.waitForSelector('[data-screen=photo]');
    await expect.poll(() => page.getByTestId('face-age').textContent()).toBe('4 years old here');
  });

  it('With… shows the photos of Amy and Penny together, and of only them', async () => {
    await page.goto(`${new URL(served!.url).origin}/#/person/${amy}`);
    await page.waitForSelector('[data-screen=person] [data-face-id]');
    await page.getByTestId('with-button').click();
    await page.getByRole('dialog').getByRole('combobox').fill('Penny');
    await page.keyboard.press('Enter');
    const count = page.getByTestId('together-count');
    const together = await call<{ id: number; path: string }[]>('people.photosTogether', { personIds: [amy, penny] });
    // The three photos of them side by side (and no other: Amy and Penny share no other photo).
    expect(together.map((p) => path.basename(p.path)).sort()).toEqual(['amy-penny-1.jpg', 'amy-penny-2.jpg', 'amy-penny-leonard.jpg']);
    await expect.poll(() => count.textContent()).toBe('3 photos');
    const shown = () => page.locator('[data-testid=together-grid] [data-photo-id]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-photo-id'))).sort((a, b) => a - b));
    await expect.poll(shown).toEqual(together.map((p) => p.id).sort((a, b) => a - b));
    // Only them: the photo with Leonard (a person) goes; the detections in no person beside Amy and Penny do not count.
    const only = await call<{ id: number; path: string }[]>('people.photosTogether', { personIds: [amy, penny], only: true });
    expect(only.map((p) => path.basename(p.path)).sort()).toEqual(['amy-penny-1.jpg', 'amy-penny-2.jpg']);
    await page.getByTestId('with-only').check();
    await expect.poll(() => count.textContent()).toBe(`${only.length} photos`);
    await expect.poll(shown).toEqual(only.map((p) => p.id).sort((a, b) => a - b));
    await shot('person-with');
  });

  it('hides the unnamed people with at most N photos in one step, shows the count first, and undoes it', async () => {
    await page.goto(`${new URL(served!.url).origin}/#/people`);
    await page.getByRole('combobox', { name: 'Show', exact: true }).selectOption('all');
    await page.waitForSelector('[data-screen=people] [data-person-id]');
    const before = await call<Person[]>('people.list');
    const small = before.filter((p) => !p.name && p.photoCount <= 3);
    expect(small.length).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Hide unnamed people…' }).click();
    await page.getByTestId('hide-small-max').fill('3');
    await expect.poll(() => page.getByTestId('hide-small-count').textContent()).toBe(`This hides ${small.length === 1 ? '1 person' : `${small.length} people`}.`);
    await shot('people-hide-small');
    await page.getByRole('dialog').getByRole('button', { name: /^Hide \d/ }).click();
    await page.getByTestId('toast').filter({ hasText: 'Hid ' }).first().waitFor();
    await expect.poll(async () => (await call<Person[]>('people.list')).map((p) => p.id)).toEqual(before.filter((p) => !small.includes(p)).map((p) => p.id));
    await expect.poll(async () => (await cardIds()).length).toBe(before.length - small.length);
    // Hidden, not deleted: the Hidden filter shows them.
    await page.getByRole('combobox', { name: 'Show', exact: true }).selectOption('hidden');
    await expect.poll(async () => (await cardIds()).sort((a, b) => a - b)).toEqual(small.map((p) => p.id).sort((a, b) => a - b));
    // One Undo brings them all back.
    await page.getByTestId('toast').filter({ hasText: 'Hid ' }).first().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(async () => (await call<Person[]>('people.list')).length).toBe(before.length);
    await page.getByRole('combobox', { name: 'Show', exact: true }).selectOption('all');
  });
});
