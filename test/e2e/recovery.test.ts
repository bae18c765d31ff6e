/**
 * A damaged library in the app (Chromium, `visage serve`, real engine process): instead of the
 * library, the Recovery screen says why in the engine's sentence and lists the backups in
 * `visage.backups/` (a damaged one shown, its button disabled); putting the good one back (with a
 * confirmation) reopens the library in the same engine process, and the refused file is kept aside
 * byte for byte. The screen passes axe-core (WCAG 2.2 AA).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_VERSION } from '../../app/store/migrations';
import { audit } from './axe';
import { BBT, ROOT } from './fixtures';
import { pageCall, serveLibrary, tearDown, type ServedLibrary } from './serve';

let s: ServedLibrary | undefined;
let garbage: Buffer;
let good: string;

beforeAll(async () => {
  s = await serveLibrary('visage-recovery-', (db) => {
    const photos = path.join(path.dirname(db), 'Photos');
    fs.mkdirSync(photos);
    for (const f of ['amy/amy1.png', 'raj/raj1.png']) fs.copyFileSync(path.join(BBT, f), path.join(photos, path.basename(f)));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'visage.js'), 'scan', photos, '--db', db, '--no-thumbnails'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const backups = path.join(path.dirname(db), 'visage.backups');
    fs.mkdirSync(backups);
    good = path.join(backups, `visage-v${LATEST_VERSION}-2026-01-02T03-04-05Z.db`);
    const c = new Database(db, { readonly: true });
    c.prepare('VACUUM INTO ?').run(good);
    c.close();
    // A newer backup that is damaged too: listed, not offered.
    fs.writeFileSync(path.join(backups, `visage-v${LATEST_VERSION}-2026-02-03T04-05-06Z.db`), crypto.randomBytes(8192));
    garbage = crypto.randomBytes(fs.statSync(db).size);
    for (const ext of ['-wal', '-shm']) fs.rmSync(db + ext, { force: true });
    fs.writeFileSync(db, garbage);
  });
}, 120_000);

afterAll(() => tearDown(s?.browser, s?.served ?? null, s?.dir));

describe('a damaged library in the app (Chromium, engine process)', () => {
  it('shows why, offers the sound backup only, puts it back after a confirmation and opens the library', async () => {
    const { page, served, db } = s!;
    await page.goto(served.url);
    const screen = page.getByTestId('recovery');
    await screen.getByRole('heading', { name: 'This library is damaged' }).waitFor();
    // The sentence offers the newest backup that is sound, not the newest file.
    await expect(screen.textContent()).resolves.toMatch(/is damaged \(it is not an SQLite database\) and Visage did not change it: restore the newest backup with: visage restore --db .+ --from .+visage-v\d+-2026-01-02T03-04-05Z\.db/);
    expect(await audit(page, 'recovery')).toEqual([]);
    await page.screenshot({ path: path.join(ROOT, 'docs', 'screenshots', 'recovery.png') });
    const items = screen.getByRole('listitem');
    expect(await items.count()).toBe(2);
    // Newest first: the damaged one, disabled with its reason; then the good one.
    await expect(items.nth(0).textContent()).resolves.toMatch(/Cannot be put back/);
    expect(await items.nth(0).getByRole('button').isDisabled()).toBe(true);
    expect(await items.nth(1).getByRole('button').isDisabled()).toBe(false);
    await expect(items.nth(1).textContent()).resolves.toContain(good);
    await items.nth(1).getByRole('button', { name: /Put this backup back/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Put this backup back?' });
    await dialog.waitFor();
    await page.getByTestId('restore-confirm').click();
    // The page reloads onto the library (two photos), served by the same engine process.
    await page.locator('aside .foot').getByText('2 photos').waitFor({ timeout: 20_000 });
    await expect(page.getByTestId('recovery').count()).resolves.toBe(0);
    const state = await pageCall<{ photos: number; dbPath: string }>(page, 'library.state');
    expect(state.photos).toBe(2);
    const aside = fs.readdirSync(path.dirname(db)).filter((n) => n.startsWith('visage.db.damaged-'));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(path.dirname(db), aside[0]!))).toEqual(garbage);
    // Sound now: the engine refuses to put a backup over it.
    await expect(pageCall(page, 'library.restore', { file: good })).rejects.toThrow(/open and sound/);
  }, 90_000);
});
