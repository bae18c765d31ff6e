/**
 * Settings' "Face model" in Chromium against `visage serve` (engine process, real models): a
 * library of dlib-johns photos scanned by `visage scan` on dlib-resnet-v1 (as before the default
 * changed), a person named, then Settings offers "Move to MobileFaceNet"; the click shows the
 * move's progress ("n of N photos") and its end, the library and the face engine are on
 * MobileFaceNet, and the People page still shows the named person. A move stopped after its
 * first photo (as when the app closed mid-way) offers "Resume", which finishes it. axe audits the area.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInfo, PersonSummary } from '../../app/contract/contract';
import { FacePipeline } from '../../app/faces/pipeline';
import { computePending } from '../../app/library/reembed';
import { setLibraryModel } from '../../app/store/settings';
import { Store } from '../../app/store/store';
import { runCli } from '../helpers/cli';
import { PEOPLE, requireDatasets } from '../helpers/paths';
import { audit } from './axe';
import { tempDir } from './fixtures';
import { docScreenshot, launchPage, pageCall, serveLibrary, startServe, tearDown, type Served } from './serve';

const WHO = ['John_Salley', 'John_Savage', 'John_Schneider'];
const PHOTOS = 3;

let dir: string;
let served: Served | null = null;
let browser: Browser;
let page: Page;

/** dlib-johns photos scanned by the command line into a library whose model is dlib. */
function scanOnDlib(db: string): void {
  const lib = path.join(path.dirname(db), 'photos');
  for (const who of WHO) {
    fs.mkdirSync(path.join(lib, who), { recursive: true });
    for (const f of fs.readdirSync(path.join(PEOPLE, 'dlib-johns', who)).sort().slice(0, PHOTOS)) fs.copyFileSync(path.join(PEOPLE, 'dlib-johns', who, f), path.join(lib, who, f));
  }
  const store = Store.open(db);
  setLibraryModel(store.db, 'dlib-resnet-v1');
  store.close();
  const r = runCli(['scan', lib, '--db', db, '--json']);
  if (r.code !== 0) throw new Error(`visage scan failed: ${r.stderr}`);
  if (r.lastJson().embedder !== 'dlib-resnet-v1') throw new Error(`scanned with ${r.lastJson().embedder}`);
}

beforeAll(async () => {
  requireDatasets();
  ({ dir, served, browser, page } = await serveLibrary('visage-e2e-face-model-', scanOnDlib));
}, 300_000);

afterAll(() => tearDown(browser, served, dir));

describe('Settings: moving a dlib library to MobileFaceNet (Chromium, visage serve, real photos)', () => {
  it('"Move to MobileFaceNet" shows progress and the end; the library is on MobileFaceNet and the named person is still there', async () => {
    await page.goto(served!.url);
    await page.waitForSelector('[data-person-id]', { timeout: 60_000 });
    const people = (await pageCall<PersonSummary[]>(page, 'people.list')).sort((a, b) => b.faceCount - a.faceCount);
    const named = people[0]!;
    await pageCall(page, 'people.correct', { kind: 'name', personId: named.id, name: 'John Salley' });

    await page.goto(`${new URL(served!.url).origin}/#/settings`);
    const summary = page.getByTestId('face-model-summary');
    await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toContain('This library uses dlib ResNet (older). MobileFaceNet groups people better on library-like photos.');
    const moveButton = page.getByRole('button', { name: 'Move to MobileFaceNet', exact: true });
    await moveButton.waitFor();
    await page.getByTestId('face-model').scrollIntoViewIfNeeded();
    expect(await audit(page, 'Settings: face model, move offered')).toEqual([]);
    await docScreenshot(page, 'settings-face-model');

    // Every state of the progress line and bar the page shows, recorded as it renders.
    await page.evaluate(() => {
      const w = window as unknown as { __seen: string[] };
      w.__seen = [];
      new MutationObserver(() => {
        const line = document.querySelector('[data-testid=face-model-progress]');
        const bar = document.querySelector('[data-testid=face-model] [role=progressbar]');
        if (line) w.__seen.push(`${line.textContent?.trim()} | ${bar?.getAttribute('aria-valuenow')}/${bar?.getAttribute('aria-valuemax')} | ${bar?.getAttribute('aria-label')}`);
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await moveButton.click();
    await page.getByTestId('toast').filter({ hasText: 'This library now uses MobileFaceNet' }).first().waitFor({ timeout: 120_000 });
    await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toBe('This library uses MobileFaceNet, the default face model.');
    expect(await moveButton.count()).toBe(0);
    const seen = await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
    const total = PHOTOS * WHO.length;
    // The progress as photos, with the bar's values for assistive technology, up to the last photo.
    expect(seen.some((s) => new RegExp(`^Moving to MobileFaceNet: \\d+ of ${total} photos \\| \\d+/${total} \\| Moving to MobileFaceNet$`).test(s)), seen.join('\n')).toBe(true);
    expect(seen.some((s) => s.startsWith(`Moving to MobileFaceNet: ${total} of ${total} photos`)), seen.join('\n')).toBe(true);
    await expect.poll(() => page.getByTestId('face-model-last').textContent()).toMatch(/Last move: to MobileFaceNet, \d+ faces moved, your corrections kept\./);
    expect(await audit(page, 'Settings: face model, moved')).toEqual([]);

    // The library, and the face engine of later scans, are on MobileFaceNet.
    const info = await pageCall<AppInfo>(page, 'app.info');
    expect(info.libraryModel).toMatchObject({ model: 'mobilefacenet-192', moveAvailable: false, move: null, resumable: null });
    expect(info.engine.embedder).toBe('mobilefacenet-192');

    // People: the named person is still there, with at least the faces it had.
    await page.goto(`${new URL(served!.url).origin}/#/people`);
    await page.locator('[data-person-id]', { hasText: 'John Salley' }).first().waitFor({ timeout: 30_000 });
    const after = (await pageCall<PersonSummary[]>(page, 'people.list')).filter((p) => p.name === 'John Salley');
    expect(after).toHaveLength(1);
    expect(after[0]!.faceCount).toBeGreaterThanOrEqual(named.faceCount);
  }, 300_000);

  it('a move stopped after its first photo shows "Resume", which finishes it', async () => {
    const own = tempDir('visage-e2e-face-model-resume-');
    const db = path.join(own, 'visage.db');
    scanOnDlib(db);
    // The move's first phase, stopped after one photo: its faces wait in the side table.
    const store = Store.open(db);
    const engine = await FacePipeline.create({ embedder: 'mobilefacenet-192', provider: 'cpu', threads: 1 });
    const stop = new AbortController();
    const r = await computePending(store, engine, () => stop.abort(), stop.signal);
    await engine.close();
    store.close();
    expect(r).toMatchObject({ stopped: true, photos: 1 });
    const s2 = await startServe(db);
    const { browser: b2, page: p2 } = await launchPage();
    try {
      await p2.goto(s2.url);
      await p2.goto(`${new URL(s2.url).origin}/#/settings`);
      await p2.getByTestId('face-model').getByText(/A move to MobileFaceNet stopped before the end \(\d+ faces? done so far\); resuming goes on from there\./).waitFor({ timeout: 30_000 });
      const resume = p2.getByRole('button', { name: 'Resume the move to MobileFaceNet' });
      await resume.waitFor();
      expect(await p2.getByRole('button', { name: 'Move to MobileFaceNet', exact: true }).count()).toBe(0);
      await p2.getByTestId('face-model').scrollIntoViewIfNeeded();
      expect(await audit(p2, 'Settings: face model, resumable')).toEqual([]);
      // Keyboard: the button is reached and pressed like any other.
      await resume.focus();
      await p2.keyboard.press('Enter');
      await p2.getByTestId('toast').filter({ hasText: 'This library now uses MobileFaceNet' }).first().waitFor({ timeout: 120_000 });
      await expect.poll(() => p2.getByTestId('face-model-summary').textContent(), { timeout: 30_000 }).toBe('This library uses MobileFaceNet, the default face model.');
      expect((await pageCall<AppInfo>(p2, 'app.info')).libraryModel).toMatchObject({ model: 'mobilefacenet-192', resumable: null, last: { outcome: 'switched' } });
    } finally {
      await tearDown(b2, s2, own);
    }
  }, 300_000);
});
