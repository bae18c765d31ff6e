/**
 * A library scanned by the command line shows its people in the app: real photos (faceapi-bbt)
 * scanned by `visage scan --no-cluster` (the faces never clustered, as a library scanned by an
 * older version), then served by `visage serve` (engine process) and opened in Chromium: the
 * engine clusters the new faces on opening and the People page shows people, not "No people yet".
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { PEOPLE } from '../helpers/paths';
import { ROOT } from './fixtures';
import { pageCall, serveLibrary, tearDown, type Served } from './serve';

const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e-screens');
const DOCS = path.join(ROOT, 'docs', 'screenshots');
const WHO = ['amy', 'howard', 'penny'];

let dir: string;
let served: Served | null = null;
let browser: Browser;
let page: Page;
let faces = 0;

/** The photos copied beside the database and scanned by the CLI without clustering. */
function scanByCli(db: string): void {
  const lib = path.join(path.dirname(db), 'photos');
  for (const who of WHO) {
    fs.mkdirSync(path.join(lib, who), { recursive: true });
    for (const f of fs.readdirSync(path.join(PEOPLE, 'faceapi-bbt', who)).filter((f) => f.endsWith('.png'))) {
      fs.copyFileSync(path.join(PEOPLE, 'faceapi-bbt', who, f), path.join(lib, who, f));
    }
  }
  const r = runCli(['scan', lib, '--db', db, '--json', '--no-cluster']);
  if (r.code !== 0) throw new Error(`visage scan failed: ${r.stderr}`);
  faces = r.lastJson().faces;
  if (r.lastJson().people !== null) throw new Error('visage scan --no-cluster clustered');
}

beforeAll(async () => {
  ({ dir, served, browser, page } = await serveLibrary('visage-e2e-cli-scanned-', scanByCli));
}, 300_000);

afterAll(() => tearDown(browser, served, dir));

describe('a library scanned by the command line (Chromium, visage serve, real photos)', () => {
  it('the People page shows the people the engine clustered on opening, not "No people yet"', async () => {
    expect(faces).toBeGreaterThanOrEqual(12);
    await page.goto(served!.url);
    await page.waitForSelector('[data-screen="people"]');
    await page.waitForSelector('[data-person-id]', { timeout: 60_000 });
    await expect.poll(() => page.getByText('No people yet').count()).toBe(0);
    const tiles = await page.locator('[data-person-id]').count();
    expect(tiles).toBeGreaterThanOrEqual(3);
    const people = await pageCall<{ faceCount: number }[]>(page, 'people.list');
    expect(people).toHaveLength(tiles);
    expect(people.reduce((n, p) => n + p.faceCount, 0)).toBeGreaterThanOrEqual(12);
    await expect.poll(() => page.getByTestId('people-count').textContent()).toBe(`${tiles} people`);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'people-cli-scanned.png');
    await page.mouse.move(2, 795);
    await page.waitForTimeout(250);
    await page.screenshot({ path: file });
    const doc = path.join(DOCS, 'people-cli-scanned.png');
    if (process.env.VISAGE_UPDATE_SCREENSHOTS === '1' || !fs.existsSync(doc)) fs.copyFileSync(file, doc);
  }, 120_000);
});
