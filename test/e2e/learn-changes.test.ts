/**
 * "Check what changed" on the Learn screen, in Chromium against `visage serve` (the engine process
 * and real SQLite; the faces are synthetic vectors written into the database, not detected):
 * a synthetic library is clustered, its largest person is named Anna, and the re-cluster
 * that finishes a head switch puts six of her faces back into her (they had been taken out). The
 * screen lists them under Anna; Yes confirms a face (the user's decision), No records "not Anna"
 * (the face leaves her; undo brings it back), N on a focused face says no from the keyboard, "All
 * N are Anna" confirms the rest; every answer lands in the database, and the count of faces to check
 * in the navigation follows.
 */
import BetterSqlite3 from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesLibrary, changeTileIds } from './changes-library';
import { serveLibrary, tearDown, type Served } from './serve';

let dir: string;
let db: string;
let served: Served | null = null;
let browser: Browser;
let page: Page;
let anna = 0;
/** Anna's faces the switch put back into her. */
let joined: number[] = [];

function buildLibrary(file: string): void {
  ({ anna, joined } = changesLibrary(file));
}

const tileIds = (personId: number) => changeTileIds(page, personId);

beforeAll(async () => {
  ({ dir, db, served, browser, page } = await serveLibrary('visage-e2e-changes-', buildLibrary));
  await page.goto(served.url);
}, 120_000);

afterAll(() => tearDown(browser, served, dir));

describe('"Check what changed" after a switch of version (Chromium, engine process, synthetic face vectors)', () => {
  it('lists the faces the switch put into Anna, and Yes / No / All are kept', async () => {
    // Before the Learn screen is opened, the navigation says there are faces to check.
    await expect.poll(async () => Number((await page.getByTestId('nav-learn-check').textContent()) ?? 0)).toBeGreaterThanOrEqual(joined.length);
    await page.goto(`${new URL(served!.url).origin}/#/learn`);
    const card = page.getByTestId('learn-changes');
    await card.waitFor();
    await expect.poll(() => card.textContent()).toContain('joined people you named');
    await page.locator(`[data-change-person="${anna}"]`).waitFor();
    const shown = await tileIds(anna);
    expect(shown).toEqual(expect.arrayContaining(joined));
    const counted = Number((await page.getByTestId('learn-changes-count').textContent())!.match(/\d+/)![0]);
    expect(counted).toBeGreaterThanOrEqual(shown.length);

    const yes = joined[0]!, no = joined[1]!;
    const person = page.locator(`[data-change-person="${anna}"]`);
    await person.locator(`[data-change-face="${yes}"]`).getByRole('button', { name: 'Yes, this is Anna' }).click();
    await expect.poll(async () => (await tileIds(anna)).includes(yes)).toBe(false);
    await person.locator(`[data-change-face="${no}"]`).getByRole('button', { name: 'No, not Anna' }).click();
    await expect.poll(async () => (await tileIds(anna)).includes(no)).toBe(false);
    // Undo brings it back (the screen reloads with the people), and No again holds.
    await page.keyboard.press('Control+z');
    await person.locator(`[data-change-face="${no}"]`).waitFor({ timeout: 10_000 });
    await person.locator(`[data-change-face="${no}"]`).getByRole('button', { name: 'No, not Anna' }).click();
    await expect.poll(async () => (await tileIds(anna)).includes(no)).toBe(false);

    // The keyboard: N on the focused face says no, and the focus stays in Anna's faces.
    const third = (await tileIds(anna)).find((f) => f !== yes && f !== no)!;
    await person.locator(`[data-change-face="${third}"] button.open`).focus();
    await page.keyboard.press('n');
    await expect.poll(async () => (await tileIds(anna)).includes(third)).toBe(false);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.closest('[data-change-face]')?.getAttribute('data-change-face') ?? null))
      .not.toBeNull();

    // The rest of Anna's at once.
    const rest = (await tileIds(anna)).filter((f) => f !== yes && f !== no && f !== third);
    await person.getByRole('button', { name: /^All \d+ are Anna/ }).click();
    await expect.poll(() => page.locator(`[data-change-person="${anna}"]`).count()).toBe(0);
    // Anna is the only person named: nothing is left to check, and the card and the count go.
    await expect.poll(() => card.count()).toBe(0);
    await expect.poll(() => page.getByTestId('nav-learn-check').count()).toBe(0);

    const check = new BetterSqlite3(db, { readonly: true });
    try {
      const src = check.prepare<[number], { person_id: number; source: string; confirmed: number }>('SELECT person_id, source, confirmed FROM face_assignments WHERE face_id = ?');
      expect(src.get(yes)).toEqual({ person_id: anna, source: 'user', confirmed: 1 });
      for (const f of rest) expect(src.get(f)).toEqual({ person_id: anna, source: 'user', confirmed: 1 });
      expect(src.get(no)?.person_id).not.toBe(anna);
      expect(check.prepare('SELECT COUNT(*) AS n FROM face_rejections WHERE face_id = ? AND person_id = ?').get(no, anna)).toEqual({ n: 1 });
      expect(check.prepare('SELECT COUNT(*) AS n FROM face_rejections WHERE face_id = ? AND person_id = ?').get(third, anna)).toEqual({ n: 1 });
    } finally {
      check.close();
    }
  });
});
