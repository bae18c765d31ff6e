/**
 * "Same person?" end to end in Chromium over photos scanned by the real engine (`visage scan` +
 * `visage cluster`, then `visage serve`): two BBT characters are each cut in two with a split
 * correction, and the queue must offer those two pairs first; the count in the navigation; J/K and
 * the arrows move between pairs; N keeps a pair apart (gone from the queue, through a re-cluster),
 * Ctrl+Z brings it back, Y merges it; a pair answered while a queue is on its way (the engine's
 * replies held back in the page) does not show again. Screenshot: docs/screenshots/same-person.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { requireDatasets } from '../helpers/paths';
import { assembleLibrary, ROOT, tempDir } from './fixtures';
import { ensureRendererBuilt, methodOf, pageCall, sleep, tearDown, type Served, docScreenshot, openApp } from './serve';

const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e-screens');
const DOCS = path.join(ROOT, 'docs', 'screenshots');

interface Queue {
  pairs: { a: { id: number; name: string | null }; b: { id: number; name: string | null }; similarity: number }[];
  total: number;
}

let dir: string;
let served: Served | null = null;
let browser: Browser;
let page: Page;
/** The two pairs the splits made, as "smaller id-larger id". */
const cut: string[] = [];
const call = <T>(method: string, params?: unknown): Promise<T> => pageCall<T>(page, method, params);
const key = (a: number, b: number) => [a, b].sort((x, y) => x - y).join('-');
const queued = async () => (await call<Queue>('people.suggestMerges', { limit: 1000 })).pairs.map((p) => key(p.a.id, p.b.id));
const shownPair = async () => {
  const [a, b] = (await page.getByTestId('same-person-pair').getAttribute('data-pair'))!.split('-').map(Number);
  return key(a!, b!);
};
const navCount = () => page.getByTestId('nav-same-person-count').textContent();

const shot = (name: string) => docScreenshot(page, name);

beforeAll(async () => {
  requireDatasets();
  ensureRendererBuilt();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.mkdirSync(DOCS, { recursive: true });
  dir = tempDir('visage-e2e-same-');
  const lib = assembleLibrary(dir, { people: ['amy', 'penny', 'leonard', 'sheldon', 'howard'], perPerson: 5 });
  const db = path.join(dir, 'data', 'visage.db');
  fs.mkdirSync(path.dirname(db), { recursive: true });
  expect(runCli(['scan', lib, '--db', db, '--json']).code).toBe(0);
  expect(runCli(['cluster', '--db', db, '--json']).code).toBe(0);
  // Penny and Leonard each cut in two: their last two faces split off into a person of their own.
  const people = runCli(['people', '--db', db, '--json']).lastJson() as { id: number }[];
  for (const who of ['penny', 'leonard']) {
    const holder = people
      .map((p) => ({ id: p.id, faces: runCli(['person', '--db', db, '--person', String(p.id), '--json']).lastJson().faces as { id: number; photoPath: string }[] }))
      .find((p) => p.faces.filter((f) => path.basename(f.photoPath).startsWith(who)).length >= 4)!;
    expect(holder, `a person holding ${who}`).toBeTruthy();
    const faces = holder.faces.map((f) => f.id).sort((x, y) => x - y);
    const split = runCli(['split', '--db', db, '--faces', faces.slice(-2).join(','), '--json']);
    expect(split.code, split.stderr).toBe(0);
    cut.push(key(holder.id, split.lastJson().personIds[0]));
  }
  ({ served, browser, page } = await openApp(db));
}, 300_000);

afterAll(() => tearDown(browser, served, dir));

describe('"Same person?" in Chromium (real engine, real faces)', () => {
  it('offers the two split characters first, with the count in the navigation, and moves with J/K and the arrows', async () => {
    const q = await call<Queue>('people.suggestMerges', { limit: 1000 });
    expect(q.pairs.slice(0, 2).map((p) => key(p.a.id, p.b.id)).sort()).toEqual([...cut].sort());
    await expect.poll(navCount).toBe(String(q.total));
    await page.getByRole('link', { name: /Same person\?/ }).click();
    await page.getByTestId('same-person-pair').waitFor();
    expect(await shownPair()).toBe(key(q.pairs[0]!.a.id, q.pairs[0]!.b.id));
    await expect.poll(() => page.getByTestId('same-person-position').textContent()).toBe(`Pair 1 of ${q.total} pair${q.total === 1 ? '' : 's'}`);
    // Both albums: names, counts and faces.
    for (const side of ['a', 'b']) {
      const album = page.getByTestId(`album-${side}`);
      await expect.poll(() => album.locator('img').count()).toBeGreaterThan(0);
      expect(await album.textContent()).toMatch(/\d+ faces? · \d+ photos?/);
    }
    await shot('same-person');
    await page.keyboard.press('j');
    expect(await shownPair()).toBe(key(q.pairs[1]!.a.id, q.pairs[1]!.b.id));
    await page.keyboard.press('k');
    expect(await shownPair()).toBe(key(q.pairs[0]!.a.id, q.pairs[0]!.b.id));
    await page.keyboard.press('ArrowRight');
    expect(await shownPair()).toBe(key(q.pairs[1]!.a.id, q.pairs[1]!.b.id));
    await page.keyboard.press('ArrowLeft');
    expect(await shownPair()).toBe(key(q.pairs[0]!.a.id, q.pairs[0]!.b.id));
    // The buttons are labelled and reached with the keyboard.
    await expect.poll(() => page.getByRole('button', { name: /^Yes, same person: .+ and .+$/ }).count()).toBe(1);
    await expect.poll(() => page.getByRole('button', { name: /^No, two people: .+ and .+$/ }).count()).toBe(1);
  });

  it('N keeps the pair apart for good (through a re-cluster); Ctrl+Z brings it back', async () => {
    const before = await call<Queue>('people.suggestMerges', { limit: 1000 });
    const first = await shownPair();
    await page.keyboard.press('n');
    await page.getByTestId('toast').filter({ hasText: /^Kept .* apart/ }).first().waitFor();
    await expect.poll(queued).not.toContain(first);
    await expect.poll(navCount).toBe(String(before.total - 1));
    await expect.poll(shownPair).not.toBe(first);
    expect((await call<{ kind: string }[]>('people.history', { limit: 1 }))[0]!.kind).toBe('not-same');
    await call('people.recluster');
    expect(await queued()).not.toContain(first);
    await page.keyboard.press('Control+z');
    await expect.poll(queued).toContain(first);
    await expect.poll(navCount).toBe(String(before.total));
  });

  it('a pair answered while a queue is on its way does not show again before its answer is saved', async () => {
    expect((await call<Queue>('people.suggestMerges')).total).toBeGreaterThanOrEqual(2);
    // From now on every queue arrives 0.7 s after it was read, and the second answer reaches the
    // engine 2 s late: the queue asked for after the first answer comes back while the second is
    // not saved yet, and still lists its pair.
    let answers = 0;
    await page.route('**/api/call', async (route) => {
      const m = methodOf(route);
      if (m === 'people.suggestMerges') {
        const response = await route.fetch();
        await sleep(700);
        return route.fulfill({ response });
      }
      if (m === 'people.answerMerge' && answers++ === 1) await sleep(2000);
      return route.continue();
    });
    const seen: string[] = [];
    const first = await shownPair();
    let second: string | undefined;
    try {
      await page.keyboard.press('n');
      await expect.poll(shownPair).not.toBe(first);
      second = await shownPair();
      await page.keyboard.press('n');
      const until = Date.now() + 3500;
      while (Date.now() < until) {
        const shown = await page.getByTestId('same-person-pair').getAttribute('data-pair', { timeout: 1000 }).catch(() => null);
        if (shown) {
          const [a, b] = shown.split('-').map(Number);
          if ([first, second].includes(key(a!, b!))) seen.push(key(a!, b!));
        }
        await sleep(50);
      }
      expect(answers).toBe(2);
      await expect.poll(queued).not.toContain(second);
      expect(await queued()).not.toContain(first);
    } finally {
      await page.unrouteAll({ behavior: 'wait' });
    }
    expect(seen).toEqual([]);
    // Both answers undone: the queue is as it was for the next test.
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await expect.poll(queued).toEqual(expect.arrayContaining([first, second!]));
  });

  it('Y merges the pair shown into one person (a merge correction)', async () => {
    const total = (await call<Queue>('people.suggestMerges')).total;
    const shown = await shownPair();
    const [a, b] = shown.split('-').map(Number);
    await page.getByTestId('same-person-yes').focus();
    await page.keyboard.press('y');
    await page.getByTestId('toast').filter({ hasText: /^Merged / }).first().waitFor();
    expect((await call<{ kind: string }[]>('people.history', { limit: 1 }))[0]!.kind).toBe('merge');
    const live = (await call<{ id: number }[]>('people.list', { includeHidden: true })).map((p) => p.id);
    expect(live.filter((id) => id === a || id === b)).toHaveLength(1);
    await expect.poll(navCount).toBe(String(total - 1));
    expect(await queued()).not.toContain(shown);
  });
});
