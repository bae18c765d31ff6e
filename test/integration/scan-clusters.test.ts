/**
 * A library scanned by the command line shows its people: `visage scan` puts the new faces into
 * people (the same incremental update the app runs after its scans), `--no-cluster` leaves them
 * for later, and the engine clusters faces no clustering has decided when it opens the library
 * (then says people.changed 'open'), keeping the user's corrections. Real photos (faceapi-bbt),
 * the real engine through the real CLI.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LibraryState, PersonSummary } from '../../app/contract/contract';
import { InProcessEngine } from '../../app/engine/client';
import { runCli } from '../helpers/cli';
import { engineWithoutAnalyzer } from '../helpers/engine-host';
import { PEOPLE } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'visage-scan-clusters-'));
const BBT = join(PEOPLE, 'faceapi-bbt');
const engines: InProcessEngine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

/** Copies photos `from`..`to` (1-based, inclusive) of each person into `lib`. */
function copyPhotos(lib: string, who: string[], from: number, to: number): void {
  for (const w of who) {
    mkdirSync(join(lib, w), { recursive: true });
    const files = readdirSync(join(BBT, w)).filter((f) => f.endsWith('.png')).sort();
    for (const f of files.slice(from - 1, to)) copyFileSync(join(BBT, w, f), join(lib, w, f));
  }
}

function scan(lib: string, db: string, ...extra: string[]) {
  const r = runCli(['scan', lib, '--db', db, '--json', '--no-thumbnails', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return r.lastJson();
}

/** The library opened by the engine (no face engine needed: nothing is analysed), with its events. */
function open(db: string): { engine: InProcessEngine; events: { event: string; data: unknown }[] } {
  const events: { event: string; data: unknown }[] = [];
  const engine = engineWithoutAnalyzer(db);
  engines.push(engine);
  engine.onEvent((event, data) => events.push({ event, data }));
  return { engine, events };
}

const counts = (list: { faceCount: number }[]) => list.map((p) => p.faceCount).sort((a, b) => b - a);

describe('visage scan and people', () => {
  const WHO = ['amy', 'howard', 'penny', 'leonard'];

  it('scan clusters the new faces; --no-cluster does not, and the engine clusters a never-clustered library on opening as a re-cluster does', async () => {
    const lib = join(dir, 'photos');
    copyPhotos(lib, WHO, 1, 5);

    const clustered = join(dir, 'clustered.db');
    const s = scan(lib, clustered);
    expect(s.faces).toBeGreaterThanOrEqual(18); // 20 photos of one face each; the detector may miss one or two
    expect(s.people.people).toBeGreaterThanOrEqual(3);
    expect(s.people.assigned).toBeGreaterThanOrEqual(15);
    const cliPeople: PersonSummary[] = runCli(['people', '--db', clustered, '--json']).lastJson();
    expect(cliPeople.length).toBe(s.people.people);
    expect(counts(cliPeople).reduce((a, b) => a + b, 0)).toBe(s.people.assigned);
    // Nothing left to cluster: opening it does not cluster again.
    const again = open(clustered);
    expect(await again.engine.host.openClusterSettled()).toBe(false);
    expect(again.events.filter((e) => e.event === 'people.changed')).toEqual([]);
    await again.engine.close();

    const raw = join(dir, 'raw.db');
    const r = scan(lib, raw, '--no-cluster');
    expect(r.faces).toBe(s.faces);
    expect(r.people).toBeNull();
    expect(runCli(['people', '--db', raw, '--json']).lastJson()).toEqual([]);

    // What "Re-group everyone" (visage recluster) makes of the same never-clustered library.
    const copy = join(dir, 'raw-copy.db');
    copyFileSync(raw, copy);
    const rc = runCli(['recluster', '--db', copy, '--json']);
    expect(rc.code, rc.stderr).toBe(0);
    const regrouped: PersonSummary[] = runCli(['people', '--db', copy, '--json']).lastJson();
    expect(regrouped.length).toBeGreaterThanOrEqual(3);

    const { engine, events } = open(raw);
    // The job starts on the host's first turn of the event loop; meanwhile the library says so (the
    // People page shows "Grouping faces into people…" instead of "No people yet").
    await new Promise(setImmediate);
    expect(((await engine.call('library.state')) as LibraryState).grouping).toBe(true);
    expect(await engine.host.openClusterSettled()).toBe(true);
    expect(((await engine.call('library.state')) as LibraryState).grouping).toBe(false);
    expect(events).toContainEqual({ event: 'people.changed', data: { reason: 'open' } });
    const opened = (await engine.call('people.list')) as PersonSummary[];
    // Never clustered: the normal re-cluster (in a worker thread), the same people.
    expect(counts(opened)).toEqual(counts(regrouped));
    await engine.close();

    // Faces left unassigned by that clustering (the pool) are decided: the next opening leaves them be.
    const next = open(raw);
    expect(await next.engine.host.openClusterSettled()).toBe(false);
    expect(counts((await next.engine.call('people.list')) as PersonSummary[])).toEqual(counts(opened));
  }, 300_000);

  it('new faces of a clustered library are added on opening by the incremental update: they join the named person, the name stays', async () => {
    const lib = join(dir, 'growing');
    copyPhotos(lib, WHO, 1, 3);
    const db = join(dir, 'growing.db');
    scan(lib, db);
    const first: PersonSummary[] = runCli(['people', '--db', db, '--json']).lastJson();
    const amyOf = (list: PersonSummary[]) => list.find((p) => p.name === 'Amy');
    // The person of amy1.png is named Amy.
    const amy1 = first.find((p) => (runCli(['person', '--db', db, '--person', String(p.id), '--json']).lastJson().faces as { photoPath: string }[]).some((f) => f.photoPath.endsWith('amy1.png')));
    expect(amy1).toBeDefined();
    expect(runCli(['name', '--db', db, '--person', String(amy1!.id), '--name', 'Amy', '--json']).code).toBe(0);

    // Two more photos of each, scanned without clustering, then the library is opened.
    copyPhotos(lib, WHO, 4, 5);
    scan(lib, db, '--no-cluster');
    expect(amyOf(runCli(['people', '--db', db, '--json']).lastJson())!.faceCount).toBe(amy1!.faceCount);
    const { engine } = open(db);
    expect(await engine.host.openClusterSettled()).toBe(true);
    const after = (await engine.call('people.list')) as PersonSummary[];
    const amy = amyOf(after)!;
    expect(amy.id).toBe(amy1!.id);
    const photos = ((await engine.call('people.faces', { id: amy.id })) as { photoPath: string }[]).map((f) => f.photoPath.split('/').pop());
    expect(photos).toEqual(expect.arrayContaining(['amy4.png', 'amy5.png']));
    expect(after.filter((p) => p.name === 'Amy')).toHaveLength(1);
  }, 300_000);
});
