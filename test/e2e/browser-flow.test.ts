/**
 * End to end in Debian's Chromium (Playwright's library API, headless) against the real engine
 * and a real database, through `visage serve` exactly as a user runs it: first run -> add folder
 * -> scan with progress -> people appear -> rename (with the merge proposal) -> merge with... ->
 * split -> "not this person" -> undo -> restart the server -> every correction is still there ->
 * Settings: export people (a download), import it (one undoable step), write and read XMP ->
 * "Learn from my corrections": train on the named people, outcome and versions, roll back.
 * Screenshots of each main screen go to test-results/e2e-screens/ (artifacts); docs/screenshots/
 * (for the README) gets any that are missing there, and all of them with VISAGE_UPDATE_SCREENSHOTS=1
 * (so that a plain `npm test` leaves the work tree clean).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePeopleFile } from '../../app/interop/people-file';
import { requireDatasets } from '../helpers/paths';
import { assembleLibrary, ROOT, tempDir } from './fixtures';
import { ensureRendererBuilt, launchPage, startServe, stopServe, tearDown, type Served, pageCall } from './serve';

const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e-screens');
const DOCS = path.join(ROOT, 'docs', 'screenshots');

let dir: string;
let library: string;
let db: string;
let served: Served | null = null;
let browser: Browser;
let page: Page;

async function shot(name: string, opts: { keepToast?: boolean } = {}): Promise<void> {
  step(`shot ${name}`);
  if (!opts.keepToast) {
    await page.evaluate(() => document.querySelectorAll<HTMLButtonElement>('[data-testid=toast] [aria-label=Dismiss]').forEach((b) => b.click()));
  }
  await page.mouse.move(2, 795); // no hover effects in the pictures
  // Every image on screen loaded (fixed-size boxes: nothing moves when they arrive).
  await page
    .waitForFunction(() => [...document.images].filter((i) => i.getBoundingClientRect().bottom < innerHeight).every((i) => i.complete), null, { timeout: 10_000 })
    .catch(async () => {
      const pending = await page.evaluate(() => [...document.images].filter((i) => !i.complete).map((i) => i.src));
      console.warn(`screenshot ${name}: images still loading: ${pending.join(', ')}`);
    });
  await page.waitForTimeout(250); // the fade-in
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  const doc = path.join(DOCS, `${name}.png`);
  if (process.env.VISAGE_UPDATE_SCREENSHOTS === '1' || !fs.existsSync(doc)) fs.copyFileSync(file, doc);
}

/** A contract call from inside the page (cookie auth, same origin), like the UI does it. */
const call = <T>(method: string, params?: unknown): Promise<T> => pageCall<T>(page, method, params);

interface Person {
  id: number;
  name: string | null;
  faceCount: number;
  photoCount: number;
}

async function openPerson(id: number): Promise<void> {
  step(`open person ${id}`);
  await page.goto(`${new URL(served!.url).origin}/#/person/${id}`);
  await page.waitForSelector(`[data-screen=person] [data-face-id]`);
}

const t0 = Date.now();
function step(m: string): void {
  if (process.env.VISAGE_E2E_TRACE) console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
}

async function toast(text: string | RegExp): Promise<void> {
  step(`toast ${text}`);
  await page.getByTestId('toast').filter({ hasText: text }).first().waitFor({ timeout: 15_000 });
}

beforeAll(async () => {
  requireDatasets();
  ensureRendererBuilt();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.mkdirSync(DOCS, { recursive: true });
  dir = tempDir('visage-e2e-');
  library = assembleLibrary(dir, { perPerson: 3 });
  db = path.join(dir, 'data', 'visage.db');
  served = await startServe(db);
  ({ browser, page } = await launchPage());
}, 120_000);

afterAll(() => tearDown(browser, served, dir));

describe('browser mode, end to end (Chromium, real engine, real database)', () => {
  it('prints exactly one line and refuses requests without the token', async () => {
    expect(served!.stdout().split('\n').filter(Boolean)).toHaveLength(1);
    const origin = new URL(served!.url).origin;
    const r = await fetch(`${origin}/`);
    expect(r.status).toBe(401);
    const api = await fetch(`${origin}/api/call`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"method":"library.state"}' });
    expect(api.status).toBe(401);
  });

  it('first run: choose a folder, scan with progress, see the failed file', async () => {
    await page.goto(served!.url);
    await page.waitForSelector('[data-screen=welcome]');
    await expect.poll(() => page.url()).not.toContain('token=');
    await shot('welcome');
    await page.fill('#folder-path', library);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await page.getByRole('list', { name: 'Library folders' }).getByText(library).waitFor();
    // Listen to the engine's progress events like the UI does.
    // Resolves once the stream is open (the server has registered it), so no progress event is missed.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const w = window as unknown as { __progress: unknown[] };
          w.__progress = [];
          const es = new EventSource('/api/events');
          es.onmessage = (e) => {
            const m = JSON.parse(e.data);
            if (m.event === 'scan.progress') w.__progress.push(m.data);
          };
          es.onopen = () => resolve();
          es.onerror = () => reject(new Error('the event stream did not open'));
        }),
    );
    await page.getByRole('button', { name: 'Start scan' }).click();
    await page.waitForSelector('[data-screen=scan]');
    const bar = page.getByRole('progressbar', { name: 'Scan progress' });
    await bar.waitFor();
    await shot('scan-progress');
    await page.getByTestId('scan-phase').filter({ hasText: 'Scan complete' }).waitFor({ timeout: 120_000 });
    const progress = (await page.evaluate(() => (window as unknown as { __progress: { phase: string; done: number; found: number; rate: number }[] }).__progress)) ?? [];
    const indexing = progress.filter((p) => p.phase === 'indexing');
    expect(indexing.length).toBeGreaterThan(1);
    expect(indexing.some((p) => p.done < p.found)).toBe(true);
    expect(progress.at(-1)!.phase).toBe('done');
    expect(await bar.getAttribute('aria-valuenow')).toBe(await bar.getAttribute('aria-valuemax'));
    await expect.poll(() => page.getByTestId('scan-count').textContent()).toBe('24 of 24');
    await page.getByRole('cell', { name: /broken\.jpg/ }).waitFor();
    await page.getByText('not-an-image').first().waitFor();
    await shot('scan-done');
  });

  let people: Person[] = [];

  it('people appear, sorted, searchable, with covers and photo counts', async () => {
    await page.getByRole('button', { name: 'See people' }).click();
    await page.waitForSelector('[data-screen=people] [data-person-id]');
    people = await call<Person[]>('people.list');
    expect(people.length).toBeGreaterThanOrEqual(5);
    const cards = page.locator('[data-person-id]');
    await expect.poll(() => cards.count()).toBe(people.length);
    // Nobody is named yet: every card says so.
    await expect.poll(() => cards.filter({ hasText: 'Unnamed' }).count()).toBe(people.length);
    expect(people.every((p) => p.name === null)).toBe(true);
    // Sorted as the people service sorts them (named first, then most faces, then oldest).
    const order = [...people].sort((a, b) => Number(!!b.name) - Number(!!a.name) || b.faceCount - a.faceCount || a.id - b.id).map((p) => p.id);
    expect(await cards.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-person-id'))))).toEqual(order);
    // Searchable: a name nobody has empties the grid and says so; clearing it brings everyone back.
    const search = page.getByRole('searchbox', { name: 'Search people by name' });
    await search.fill('Nobody-here');
    await page.getByText('No one called “Nobody-here”').waitFor();
    await expect.poll(() => cards.count()).toBe(0);
    await search.fill('');
    await expect.poll(() => cards.count()).toBe(people.length);
    // Every cover image loads (and is inside its fixed-size box: no layout shift).
    await expect
      .poll(() => page.evaluate(() => [...document.querySelectorAll<HTMLImageElement>('[data-person-id] img')].every((i) => i.complete && i.naturalWidth > 0)))
      .toBe(true);
    await shot('people');
  });

  let amy: Person;
  let amyFaces = 0;

  /** The character a face shows, from its file name (amy2.png -> amy); null for group photos. */
  async function characterOf(personId: number): Promise<Set<string | null>> {
    const faces = await call<{ photoPath: string }[]>('people.faces', { id: personId });
    return new Set(faces.map((f) => /\/cast\/([a-z]+)\d+\.png$/.exec(f.photoPath)?.[1] ?? null));
  }

  async function newPersonAfter(before: Person[]): Promise<Person> {
    const ids = new Set(before.map((p) => p.id));
    const after = await call<Person[]>('people.list', { includeHidden: true });
    const added = after.filter((p) => !ids.has(p.id));
    expect(added).toHaveLength(1);
    return added[0]!;
  }

  it('the real engine grouped the photos: one person holds all three of Amy\'s and nothing else; rename her', async () => {
    let pick: Person | null = null;
    for (const p of people) {
      const chars = await characterOf(p.id);
      if (chars.size === 1 && chars.has('amy') && p.faceCount >= 3) pick = p;
    }
    expect(pick, 'no person made of Amy\'s three photos alone').not.toBeNull();
    amy = pick!;
    amyFaces = amy.faceCount;
    await openPerson(amy.id);
    const name = page.getByTestId('person-name');
    await name.fill('Amy');
    await name.press('Enter');
    await toast('Renamed to “Amy”');
    await expect.poll(async () => (await call<Person>('people.get', { id: amy.id })).name).toBe('Amy');
    await expect.poll(() => page.getByTestId('person-name').inputValue()).toBe('Amy');
    // The new name is searchable on the people screen.
    await page.goto(`${new URL(served!.url).origin}/#/people`);
    await page.getByRole('searchbox', { name: 'Search people by name' }).fill('amy');
    await expect.poll(() => page.locator('[data-person-id]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-person-id'))))).toEqual([amy.id]);
  });

  it('select faces (click, shift-click, keyboard) and split them off', async () => {
    await openPerson(amy.id);
    // The "Is this Amy?" tab: the unassigned faces most likely to be her, or a line saying there are none.
    await page.getByTestId('suggested-tab').click();
    await page.locator('[data-suggested-face], [data-testid=no-suggestions]').first().waitFor();
    const offered = await page.locator('[data-suggested-face]').count();
    expect(offered).toBe((await call<unknown[]>('people.suggestFaces', { personId: amy.id, k: 60 })).length);
    await shot('person-suggested');
    await page.getByRole('tab', { name: /^Faces/ }).click();
    const faces = page.locator('[data-screen=person] [data-face-id]');
    await faces.nth(0).click();
    await faces.nth(1).click({ modifiers: ['Shift'] });
    await expect.poll(() => page.getByTestId('selected-count').textContent()).toBe('2 faces selected');
    // Keyboard: Shift+Left shrinks the range, Space toggles the focused face.
    await page.keyboard.press('Shift+ArrowLeft');
    await expect.poll(() => page.getByTestId('selected-count').textContent()).toBe('1 face selected');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('selected-count').textContent()).toBe('2 faces selected');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-screen=person] [role=option][aria-selected=true]').count()).toBe(0);
    await faces.last().click();
    await shot('person', { keepToast: false });
    const before = await call<Person[]>('people.list', { includeHidden: true });
    await page.getByRole('button', { name: 'Split off' }).click();
    await toast('Split 1 face into a new person');
    await expect.poll(async () => (await call<Person>('people.get', { id: amy.id })).faceCount).toBe(amyFaces - 1);
    const split = await newPersonAfter(before);
    expect(split.faceCount).toBe(1);
    // Naming the split-off face "Amy" proposes merging it back.
    await openPerson(split.id);
    await page.getByTestId('person-name').fill('Amy');
    await page.getByTestId('person-name').press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Merge with Amy?' });
    await dialog.waitFor();
    await shot('merge-proposal', { keepToast: false });
    await dialog.getByRole('button', { name: 'Merge' }).click();
    await expect.poll(() => page.url()).toContain(`#/person/${amy.id}`);
    await expect.poll(async () => (await call<Person>('people.get', { id: amy.id })).faceCount).toBe(amyFaces);
    expect(await call<Person | null>('people.get', { id: split.id })).toBeNull();
  });

  it('"merge with..." lists people ranked by similarity; a wrong merge is undone', async () => {
    const before = await call<Person[]>('people.list', { includeHidden: true });
    const other = before.find((p) => p.id !== amy.id && !p.name)!;
    await openPerson(other.id);
    await page.getByRole('button', { name: 'Merge with…' }).click();
    const dialog = page.getByRole('dialog');
    const options = dialog.getByRole('option');
    await options.first().waitFor();
    // The list shows the people service's ranking, most similar first.
    const similar = await call<{ personId: number; similarity: number }[]>('people.similar', { personId: other.id, k: 30 });
    expect(similar.length).toBeGreaterThan(0);
    for (let i = 1; i < similar.length; i++) expect(similar[i]!.similarity).toBeLessThanOrEqual(similar[i - 1]!.similarity);
    const listed = await Promise.all(similar.slice(0, 3).map((s) => call<Person>('people.get', { id: s.personId })));
    for (let i = 0; i < listed.length; i++) await expect.poll(() => options.nth(i).textContent()).toContain(listed[i]!.name ?? 'Unnamed');
    await shot('merge-with', { keepToast: false });
    await page.keyboard.press('Enter');
    await toast(/Merged with/);
    const top = listed[0]!;
    await expect.poll(async () => (await call<Person[]>('people.list', { includeHidden: true })).length).toBe(before.length - 1);
    // Not the same person after all: undo brings both back as they were.
    await page.locator('.hint').first().click(); // out of the name field (the person's h1 is for screen readers only)
    await page.keyboard.press('Control+z');
    await toast(/Undone: Merged/);
    const after = await call<Person[]>('people.list', { includeHidden: true });
    const key = (l: Person[]) => l.map((p) => `${p.id}:${p.name}:${p.faceCount}`).sort();
    expect(key(after)).toEqual(key(before));
    expect(top.id).not.toBe(other.id);
  });

  it('"not this person" removes faces, and Ctrl+Z undoes it', async () => {
    await openPerson(amy.id);
    const faces = page.locator('[data-screen=person] [data-face-id]');
    await expect.poll(() => faces.count()).toBe(amyFaces);
    const rejected = Number(await faces.first().getAttribute('data-face-id'));
    await page.locator(`[data-screen=person] [data-face-id="${rejected}"]`).click();
    await page.getByRole('button', { name: 'Not Amy' }).click();
    await toast(/not Amy/);
    await expect.poll(async () => (await call<Person>('people.get', { id: amy.id })).faceCount).toBe(amyFaces - 1);
    expect((await call<{ personId: number | null }>('people.face', { id: rejected })).personId).not.toBe(amy.id);
    await shot('undo-toast', { keepToast: true });
    await page.locator('.hint').first().click(); // out of the name field (the person's h1 is for screen readers only)
    await page.keyboard.press('Control+z');
    await toast(/Undone/);
    await expect.poll(async () => (await call<Person>('people.get', { id: amy.id })).faceCount).toBe(amyFaces);
    expect((await call<{ personId: number | null }>('people.face', { id: rejected })).personId).toBe(amy.id);
    // Redo, then undo again from the toast's button.
    await page.keyboard.press('Control+Shift+z');
    await toast(/Redone/);
    await expect.poll(async () => (await call<Person>('people.get', { id: amy.id })).faceCount).toBe(amyFaces - 1);
    await page.getByTestId('toast').getByRole('button', { name: 'Undo' }).click();
    await expect.poll(async () => (await call<Person>('people.get', { id: amy.id })).faceCount).toBe(amyFaces);
  });

  it('photo view shows boxes with names; clicking a face fixes it', async () => {
    type F = { id: number; photoId: number; photoPath: string };
    const groups = (await call<F[]>('people.unassigned', { limit: 500 })).filter((f) => f.photoPath.includes('/groups/'));
    if (groups.length === 0) {
      // Clustering may have grouped them: any face of a group photo will do.
      for (const p of await call<Person[]>('people.list', { includeHidden: true })) groups.push(...(await call<F[]>('people.faces', { id: p.id })).filter((f) => f.photoPath.includes('/groups/')));
    }
    expect(groups.length).toBeGreaterThan(0);
    const photo = await call<{ id: number; faces: { id: number }[] }>('people.photo', { id: groups[0]!.photoId });
    const origin = new URL(served!.url).origin;
    await page.goto(`${origin}/#/photo/${photo.id}`);
    await page.waitForSelector('[data-screen=photo] button[data-face-id]');
    await expect.poll(() => page.locator('[data-screen=photo] button[data-face-id]').count()).toBe(photo.faces.length);
    const face = groups[0]!.id;
    await page.locator(`[data-screen=photo] button[data-face-id="${face}"]`).click();
    await page.getByRole('heading', { name: /Who is this\?|Someone else\?/ }).waitFor();
    await page.getByPlaceholder('Type a name').fill('Zoe');
    await shot('photo', { keepToast: false });
    await page.getByRole('option', { name: /New person “Zoe”/ }).click();
    await toast('This is Zoe');
    await expect.poll(async () => (await call<{ personName: string | null }>('people.face', { id: face })).personName).toBe('Zoe');
    await expect.poll(() => page.locator(`[data-screen=photo] button[data-face-id="${face}"]`).textContent()).toContain('Zoe');
  });

  it('unassigned faces and settings screens', async () => {
    const origin = new URL(served!.url).origin;
    await page.goto(`${origin}/#/unassigned`);
    await page.waitForSelector('[data-screen=unassigned] h1');
    // The screen has loaded its groups when its count matches the engine's (and its faces are shown).
    const groups = await call<{ total: number }>('people.suggestionGroups', { limit: 400 });
    await page.locator('[data-screen=unassigned] .screen-header .faint').filter({ hasText: new RegExp(`^${groups.total} faces?$`) }).waitFor();
    if (groups.total > 0) await page.locator('[data-screen=unassigned] [data-key]').first().waitFor();
    await shot('unassigned');
    await page.goto(`${origin}/#/settings`);
    await page.getByTestId('provider').filter({ hasText: /CPU|CUDA|WEBGPU|DML|COREML/ }).waitFor();
    await shot('settings');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${origin}/#/people`);
    await page.waitForSelector('[data-person-id]');
    await shot('people-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('after a restart of the server every correction is still there', async () => {
    const people = await call<Person[]>('people.list', { includeHidden: true });
    const history = await call<{ id: number; kind: string; undone: boolean }[]>('people.history', { limit: 100 });
    expect(history.map((h) => h.kind)).toEqual(expect.arrayContaining(['name', 'merge', 'split', 'reject']));
    expect(history.some((h) => h.kind === 'reject' && h.undone)).toBe(true);
    expect(history.some((h) => h.kind === 'merge' && h.undone)).toBe(true);
    const oldUrl = served!.url;
    await stopServe(served);
    served = await startServe(db);
    expect(served.url).not.toBe(oldUrl);
    // The old token means nothing to the new server.
    const origin = new URL(served.url).origin;
    expect((await fetch(`${origin}/?token=${new URL(oldUrl).searchParams.get('token')}`, { redirect: 'manual' })).status).toBe(401);
    await page.goto(served.url);
    await page.waitForSelector('[data-screen=people] [data-person-id]');
    const after = await call<Person[]>('people.list', { includeHidden: true });
    const key = (list: Person[]) => list.map((p) => `${p.id}:${p.name}:${p.faceCount}`).sort();
    expect(key(after)).toEqual(key(people));
    expect(await call<typeof history>('people.history', { limit: 100 })).toEqual(history);
    await page.locator('[data-person-id]').filter({ hasText: 'Amy' }).first().waitFor();
    await page.locator('[data-person-id]').filter({ hasText: 'Zoe' }).first().waitFor();
    expect((await call<Person>('people.get', { id: amy.id })).faceCount).toBe(amyFaces);
  });

  it('Settings: export people downloads a valid file; import restores it as one undoable step; XMP sidecars are written and read', async () => {
    const origin = new URL(served!.url).origin;
    await page.goto(`${origin}/#/settings`);
    const card = page.getByTestId('people-file');
    await card.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Export people…' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^visage-people-\d{4}-\d\d-\d\d\.visage-people\.json$/);
    const file = path.join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const exported = parsePeopleFile(fs.readFileSync(file, 'utf8'));
    expect(exported.persons.map((p) => p.name)).toEqual(expect.arrayContaining(['Amy', 'Zoe']));
    expect(exported.faces.length).toBeGreaterThanOrEqual(amyFaces + 1);
    // Forget Zoe's name, then import the file: she is back, in one step that Ctrl+Z undoes.
    const zoe = (await call<Person[]>('people.list', { query: 'Zoe' }))[0]!;
    await call('people.correct', { kind: 'name', personId: zoe.id, name: null });
    await page.getByTestId('import-file').setInputFiles(file);
    await toast(/^Imported \d+ people/);
    await expect.poll(async () => (await call<Person[]>('people.list', { query: 'Zoe' })).length).toBe(1);
    expect((await call<{ kind: string; undone: boolean }[]>('people.history', { limit: 1 }))[0]).toMatchObject({ kind: 'import', undone: false });
    await page.locator('h1').first().click();
    await page.keyboard.press('Control+z');
    await toast(/Undone: Imported people from visage-people-/);
    await expect.poll(async () => (await call<Person[]>('people.list', { query: 'Zoe' })).length).toBe(0);
    await page.keyboard.press('Control+Shift+z');
    await toast(/Redone: Imported people/);
    await expect.poll(async () => (await call<Person[]>('people.list', { query: 'Zoe' })).length).toBe(1);
    // XMP: named faces to sidecars next to the photos, then read back (names the same faces).
    await card.getByRole('button', { name: 'Write XMP sidecars' }).click();
    await page.getByTestId('people-file-result').filter({ hasText: /^Wrote \d+ named faces? to \d+ XMP sidecars?$/ }).waitFor();
    const sidecars = fs.readdirSync(path.join(library, 'cast')).filter((f) => f.endsWith('.xmp'));
    expect(sidecars.length).toBeGreaterThanOrEqual(1);
    expect(fs.readFileSync(path.join(library, 'cast', sidecars[0]!), 'utf8')).toContain('mwg-rs:Regions');
    await card.scrollIntoViewIfNeeded();
    await shot('settings-people-file');
    // Read back, the sidecars name the same faces: every region is found, no name conflicts, and
    // no person is created or renamed (the faces they name are confirmed where they are).
    const before = (await call<Person[]>('people.list', { includeHidden: true })).map((p) => `${p.id}:${p.name ?? ''}`).sort();
    await card.getByRole('button', { name: 'Read XMP' }).click();
    await toast(/^Read from XMP: \d+ (person|people), \d+ faces?(?!;)/);
    expect((await call<Person[]>('people.list', { includeHidden: true })).map((p) => `${p.id}:${p.name ?? ''}`).sort()).toEqual(before);
  });

  it('"Learn from my corrections": train on the named people, see the outcome and the versions, roll back', async () => {
    // Name a few more people (whoever is all one character) so that there is something to learn.
    for (const p of await call<Person[]>('people.list', { includeHidden: true })) {
      if (p.name || p.faceCount < 2) continue;
      const chars = await characterOf(p.id);
      const c = [...chars][0];
      if (chars.size === 1 && c) await call('people.correct', { kind: 'name', personId: p.id, name: c[0]!.toUpperCase() + c.slice(1) });
    }
    const origin = new URL(served!.url).origin;
    await page.goto(`${origin}/#/learn`);
    await page.getByTestId('learn-ready').filter({ hasText: /^Ready/ }).waitFor();
    expect(Number(await page.getByTestId('learn-people').textContent())).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('learn-active').textContent()).toBe('Base model');
    // Named only, no "not this person" answers: told before training that a new version needs them.
    const { noAnswers } = (await call<{ summary: { noAnswers: number } }>('learning.state')).summary;
    expect(await page.getByTestId('learn-no-answers').textContent()).toContain(`you have ${noAnswers}, about 100 are needed`);
    await page.getByRole('button', { name: 'Start learning' }).click();
    // (No progress card: with too few of the user's labels to judge, nothing is trained, no epoch runs.)
    await page.getByTestId('learn-outcome').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('learn-progress').count()).toBe(0);
    const verdict = (await page.getByTestId('learn-verdict').textContent())!;
    // Only names here (none of the user's own placed faces): too few of the user's labels for a
    // trustworthy check (issue 18: machine-placed faces never judge): nothing trained or adopted,
    // and the screen says how many there are and how many it needs.
    expect(verdict).toBe('Discarded: the current version stays');
    expect(await page.getByTestId('learn-reason').textContent()).toMatch(/^Too few of your own labels to judge: \d+, need 20\.$/);
    expect(await page.getByTestId('learn-too-few').textContent()).toMatch(/^Too few of your own labels to judge: \d+, need 20\./);
    const rows = page.getByTestId('learn-outcome').locator('tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.first().textContent()).toMatch(/Right person\s*\d+\.\d%\s*\d+\.\d%/);
    const history = page.getByTestId('learn-history').locator('tbody tr');
    await expect.poll(() => history.count()).toBe(2);
    const state = await call<{ summary: { heads: { id: string; adopted: boolean; active: boolean }[] } }>('learning.state');
    const trained = state.summary.heads[0]!;
    expect(trained.id).not.toBe('base');
    expect(trained.adopted).toBe(verdict.startsWith('Adopted'));
    await shot('learn');
    await page.getByTestId('learn-history').scrollIntoViewIfNeeded();
    await shot('learn-result');
    const row = (id: string) => page.locator(`[data-testid=learn-history] tr[data-head-id="${id}"]`);
    /** Switch versions from the history: the button, the confirmation, the toast. */
    async function switchTo(id: string, button: string, title: string, now: RegExp) {
      await row(id).getByRole('button', { name: button }).click();
      const dialog = page.getByRole('dialog', { name: title });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: button }).click();
      await toast(now);
      await expect.poll(async () => (await call<{ summary: { active: { id: string } } }>('learning.state')).summary.active.id).toBe(id);
    }
    const version = `version ${state.summary.heads[0]!.id.split('-').at(-1)}`;
    if (trained.adopted) {
      expect(await page.getByTestId('learn-active').textContent()).toMatch(/^Version \d+$/);
    } else {
      // Discarded: the base model stays in use; the user may still try the new version ("Use anyway").
      expect(await page.getByTestId('learn-active').textContent()).toBe('Base model');
      expect(await row('base').getByRole('button').count()).toBe(0);
      await switchTo(trained.id, 'Use anyway', `Use ${version} anyway?`, new RegExp(`^Now using ${version}`));
    }
    // The faces the new version put into named people, if any, are listed for checking.
    const changes = (await call<{ summary: { changes: { open: number } | null } }>('learning.state')).summary.changes;
    if (changes && changes.open > 0) {
      await page.getByTestId('learn-changes').scrollIntoViewIfNeeded();
      expect(await page.locator('[data-testid=learn-changes] [data-change-face]').count()).toBe(Math.min(changes.open, 8 * 24));
      await shot('learn-changes');
    }
    // Roll back to the base model: confirmed, people re-grouped, the base model in use again.
    await switchTo('base', 'Roll back', 'Roll back to base model?', /^Now using base model/);
    await expect.poll(() => page.getByTestId('learn-active').textContent()).toBe('Base model');
    await row(trained.id).getByRole('button', { name: trained.adopted ? 'Use again' : 'Use anyway' }).waitFor();
    // Names survive training and roll back.
    const named = (await call<Person[]>('people.list', { includeHidden: true })).map((p) => p.name);
    expect(named).toEqual(expect.arrayContaining(['Amy', 'Zoe']));
  });
});
