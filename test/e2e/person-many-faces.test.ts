/**
 * The person page with more faces than one request returns (people.faces answers at most 5,000):
 * a synthetic library whose one person has 6,200 faces, in Chromium against `visage serve`
 * (the faces are synthetic vectors written into SQLite, not detected).
 * The grid is virtualised (a bounded number of tiles in the DOM, the full scroll height), its
 * faces are loaded a page at a time as it scrolls, the true count shows, the last face can be
 * reached, and select-all and a Shift range spanning pages never loaded apply to every face.
 * The Photos tab likewise: the true number of distinct photos (counted from the database), a
 * virtualised grid with its details paged as it scrolls, the last photo reached and opened.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../app/store/store';
import { writeSyntheticFaces } from '../helpers/synthetic-library';
import { serveLibrary, tearDown, type Served, pageCall } from './serve';

const N = 6200;
const PERSON = 1;
let dir: string;
let served: Served | null = null;
let browser: Browser;
let page: Page;
/** offsets of the people.faces pages the UI asked for */
const pageOffsets: number[] = [];
/** offset/limit of the people.photos pages the UI asked for */
const photoPages: { offset: number; limit: number }[] = [];
/** The person's distinct photos, counted from the database (every face is the person's). */
let truePhotos = 0;

/** A library as a scan and a clustering leave it, with all N faces in one person ("Big"). */
function buildLibrary(db: string): void {
  const store = Store.open(db);
  try {
    writeSyntheticFaces(store.db, N, 11);
    store.db.transaction(() => {
      store.db.prepare("INSERT INTO persons (id, name, created_at, user_named) VALUES (?, 'Big', '2024-01-01', 1)").run(PERSON);
      store.db.prepare("INSERT INTO face_assignments (face_id, person_id, source, confirmed) SELECT id, ?, 'machine', 0 FROM faces").run(PERSON);
    })();
    truePhotos = new Set((store.db.prepare('SELECT photo_id FROM faces').all() as { photo_id: number }[]).map((r) => r.photo_id)).size;
  } finally {
    store.close();
  }
}

const call = <T>(method: string, params?: unknown): Promise<T> => pageCall<T>(page, method, params);

const tiles = () => page.locator('[data-screen=person] [data-face-id]');
const grid = () => page.getByTestId('face-grid');
const selectedCount = async () => Number(((await page.getByTestId('selected-count').textContent()) ?? '').replace(/\D/g, ''));
const scrollGrid = (to: 'top' | 'bottom') => grid().evaluate((el, where) => (el.scrollTop = where === 'top' ? 0 : el.scrollHeight), to);

beforeAll(async () => {
  ({ dir, served, browser, page } = await serveLibrary('visage-e2e-many-', buildLibrary));
  page.on('request', (r) => {
    if (!r.url().endsWith('/api/call')) return;
    const body = JSON.parse(r.postData() ?? '{}') as { method?: string; params?: { offset?: number; limit?: number } };
    if (body.method === 'people.faces') pageOffsets.push(body.params?.offset ?? 0);
    if (body.method === 'people.photos') photoPages.push({ offset: body.params?.offset ?? 0, limit: body.params?.limit ?? -1 });
  });
  await page.goto(served.url);
}, 120_000);

afterAll(() => tearDown(browser, served, dir));

describe('person page with more than 5,000 faces (Chromium, engine process, synthetic face vectors)', () => {
  let ids: number[] = [];

  it('photos tab: the true photo count, a bounded DOM, pages loaded as it scrolls, the last photo reached and opened', async () => {
    expect(truePhotos).toBeGreaterThan(4000);
    const photoIds = await call<number[]>('people.photoIds', { id: PERSON });
    expect(photoIds).toHaveLength(truePhotos);
    expect(new Set(photoIds).size).toBe(truePhotos);
    await page.goto(`${new URL(served!.url).origin}/#/person/${PERSON}`);
    await page.getByRole('tab', { name: /Photos/ }).click();
    const photoTiles = () => page.locator('[data-screen=person] [data-photo-id]');
    const photoGrid = () => page.getByTestId('photo-grid');
    await page.waitForSelector('[data-screen=person] [data-photo-id]');
    await expect.poll(() => page.getByTestId('photo-total').textContent()).toBe(String(truePhotos));
    expect(await photoGrid().getAttribute('data-count')).toBe(String(truePhotos));
    expect(await photoTiles().first().getAttribute('data-photo-id')).toBe(String(photoIds[0]));
    expect(await photoTiles().count()).toBeLessThan(200);
    // The grid has the full height of every photo (rows of 176 px; fewer than 12 columns at this width).
    expect(await photoGrid().evaluate((el) => el.scrollHeight)).toBeGreaterThan((truePhotos / 12) * 176);

    await photoGrid().evaluate((el) => (el.scrollTop = el.scrollHeight));
    const last = page.locator(`[data-photo-id="${photoIds.at(-1)}"]`);
    await last.waitFor();
    expect(await photoTiles().count()).toBeLessThan(200);
    // Its details (the best face to open it on) came with the last page, fetched on its own.
    await expect.poll(() => last.getAttribute('href')).toMatch(new RegExp(`^#/photo/${photoIds.at(-1)}\\?face=\\d+$`));
    const lastPage = Math.floor((truePhotos - 1) / 500) * 500;
    expect(photoPages.some((p) => p.offset === lastPage && p.limit === 500)).toBe(true);
    expect(photoPages.every((p) => p.offset % 500 === 0 && p.limit === 500)).toBe(true);
    expect(photoPages.length).toBeLessThan(truePhotos / 500);

    await last.click();
    await page.waitForSelector('[data-screen=photo]');
    const [lastPhoto] = await call<{ id: number; faceId: number }[]>('people.photos', { id: PERSON, offset: truePhotos - 1, limit: 1 });
    expect(lastPhoto!.id).toBe(photoIds.at(-1));
    expect(new URL(page.url()).hash).toBe(`#/photo/${lastPhoto!.id}?face=${lastPhoto!.faceId}`);
  });

  it('shows the true count, keeps the DOM bounded and reaches the last face', async () => {
    ids = await call<number[]>('people.faceIds', { id: PERSON });
    expect(ids).toHaveLength(N);
    await page.goto(`${new URL(served!.url).origin}/#/person/${PERSON}`);
    await page.waitForSelector('[data-screen=person] [data-face-id]');
    await expect.poll(() => page.getByTestId('face-total').textContent()).toBe(String(N));
    expect(await tiles().first().getAttribute('data-face-id')).toBe(String(ids[0]));
    expect(await tiles().count()).toBeLessThan(400);
    // The grid has the full height of N tiles (8 columns at this width: ~775 rows of 122 px).
    const scrollHeight = await grid().evaluate((el) => el.scrollHeight);
    expect(scrollHeight).toBeGreaterThan((N / 12) * 122);

    await scrollGrid('bottom');
    await page.waitForSelector(`[data-face-id="${ids.at(-1)}"]`);
    expect(await tiles().count()).toBeLessThan(400);
    // The faces near the end were fetched as a page of their own (never all at once).
    await expect.poll(() => pageOffsets.some((o) => o >= N - 500)).toBe(true);
    expect(pageOffsets.every((o) => o % 500 === 0)).toBe(true);
    expect(pageOffsets.length).toBeLessThan(N / 500);
  });

  it('select all covers every face, loaded or not', async () => {
    await tiles().last().click();
    await expect.poll(selectedCount).toBe(1);
    await page.keyboard.press('Control+a');
    await expect.poll(selectedCount).toBe(N);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('selected-count').isVisible()).toBe(false);
  });

  it('splits off a Shift range that spans pages never loaded', async () => {
    await scrollGrid('top');
    await page.locator('[data-screen=person] [data-index="10"]').click();
    await scrollGrid('bottom');
    await page.locator(`[data-screen=person] [data-index="${N - 1}"]`).click({ modifiers: ['Shift'] });
    await expect.poll(selectedCount).toBe(N - 10);
    await page.getByRole('button', { name: 'Split off' }).click();
    await page.getByTestId('toast').filter({ hasText: /Split .* faces into a new person/ }).first().waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('face-total').textContent(), { timeout: 20_000 }).toBe('10');
    expect((await call<{ faceCount: number }>('people.get', { id: PERSON })).faceCount).toBe(10);
    expect(await call<number[]>('people.faceIds', { id: PERSON })).toEqual(ids.slice(0, 10));
    const others = (await call<{ id: number; faceCount: number }[]>('people.list', { includeHidden: true })).filter((p) => p.id !== PERSON);
    expect(others).toHaveLength(1);
    expect(others[0]!.faceCount).toBe(N - 10);
    expect(new Set(await call<number[]>('people.faceIds', { id: others[0]!.id }))).toEqual(new Set(ids.slice(10)));
  });
});
