/**
 * Answers that overlap, in Chromium against `visage serve` (the engine process and real SQLite;
 * synthetic face vectors, the library of learn-changes.test.ts): the engine's replies are held
 * back in the page (Playwright routes), so the orders that a busy machine makes now and then are
 * made every time.
 * - Two "No" answers close together on "Check what changed": each reloads the learning state;
 *   the earlier reload, superseded, must not let its face show again while the state on screen is
 *   still the one from before that answer (a click on "All N are Anna" in that moment confirmed a
 *   face the user had said No to: the CI failure this test was written for).
 * - Ctrl+Z pressed while a "No" is still on its way to the engine undoes that No, not the answer
 *   before it.
 */
import BetterSqlite3 from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesLibrary, changeTileIds } from './changes-library';
import { methodOf, serveLibrary, sleep, tearDown, type Served } from './serve';

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
  ({ dir, db, served, browser, page } = await serveLibrary('visage-e2e-answer-order-', buildLibrary));
  await page.goto(served.url);
  await page.goto(`${new URL(served.url).origin}/#/learn`);
  await page.locator(`[data-change-person="${anna}"]`).waitFor();
}, 120_000);

afterAll(() => tearDown(browser, served, dir));

describe('overlapping answers (Chromium, engine process, replies held back in the page)', () => {
  it('a face answered No stays hidden while an older list of changes is on screen', async () => {
    expect(await tileIds(anna)).toEqual(expect.arrayContaining(joined));
    const [a, b] = [joined[0]!, joined[1]!];
    // Every learning state asked for from now on is read at once but delivered later than the one
    // before it: the last one asked lands last, the superseded ones first.
    let asked = 0;
    await page.route('**/api/call', async (route) => {
      if (methodOf(route) !== 'learning.state') return route.continue();
      const n = ++asked;
      const response = await route.fetch();
      await sleep(500 * n);
      await route.fulfill({ response });
    });
    try {
      const person = page.locator(`[data-change-person="${anna}"]`);
      await person.locator(`[data-change-face="${a}"]`).getByRole('button', { name: 'No, not Anna' }).click();
      await person.locator(`[data-change-face="${b}"]`).getByRole('button', { name: 'No, not Anna' }).click();
      // Until every reload asked for has landed, neither face may show again.
      const seen = new Set<number>();
      const until = Date.now() + 500 * 8;
      while (Date.now() < until) {
        for (const f of await tileIds(anna)) if (f === a || f === b) seen.add(f);
        await sleep(50);
      }
      expect(asked).toBeGreaterThanOrEqual(2);
      expect([...seen]).toEqual([]);
    } finally {
      await page.unrouteAll({ behavior: 'wait' });
    }
    const check = new BetterSqlite3(db, { readonly: true });
    try {
      const rejected = check.prepare('SELECT COUNT(*) AS n FROM face_rejections WHERE face_id = ? AND person_id = ?');
      expect([rejected.get(a, anna), rejected.get(b, anna)]).toEqual([{ n: 1 }, { n: 1 }]);
    } finally {
      check.close();
    }
  });

  it('Ctrl+Z pressed while a No is on its way undoes that No, not the answer before it', async () => {
    const [b, c] = [joined[1]!, joined[2]!];
    await expect.poll(async () => (await tileIds(anna)).includes(c)).toBe(true);
    // The next correction reaches the engine 1.5 s late.
    let held = 0;
    await page.route('**/api/call', async (route) => {
      if (methodOf(route) !== 'people.correct' || held++ > 0) return route.continue();
      await sleep(1500);
      await route.continue();
    });
    try {
      const person = page.locator(`[data-change-person="${anna}"]`);
      await person.locator(`[data-change-face="${c}"]`).getByRole('button', { name: 'No, not Anna' }).click();
      await page.keyboard.press('Control+z');
      // The undo lands after the No: c is back in Anna's list, b (answered No before) is not.
      await expect.poll(async () => (await tileIds(anna)).includes(c), { timeout: 15_000 }).toBe(true);
    } finally {
      await page.unrouteAll({ behavior: 'wait' });
    }
    expect(held).toBeGreaterThanOrEqual(1);
    const check = new BetterSqlite3(db, { readonly: true });
    try {
      const rejected = check.prepare('SELECT COUNT(*) AS n FROM face_rejections WHERE face_id = ? AND person_id = ?');
      expect(rejected.get(c, anna)).toEqual({ n: 0 });
      expect(rejected.get(b, anna)).toEqual({ n: 1 });
      expect(check.prepare('SELECT person_id FROM face_assignments WHERE face_id = ?').get(c)).toEqual({ person_id: anna });
    } finally {
      check.close();
    }
    expect(await tileIds(anna)).not.toContain(b);
  });
});
