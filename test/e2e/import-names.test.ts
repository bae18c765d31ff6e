/**
 * Imported names name people, end to end in Chromium over photos scanned by the real engine
 * (`visage scan`, then `visage serve`): five photos of Sheldon make one unnamed person, four of
 * Penny another. XMP sidecars as digiKam writes them (`photo.png.xmp`, MWG regions in attribute
 * form) name faces; Settings' "Read XMP" reads them:
 * - one face of Sheldon's person tagged "Sheldon Cooper": the whole person takes the name, every
 *   face of it kept;
 * - two faces of Penny's person tagged "Penny" and "Bernadette": only those two faces move, the
 *   rest stays unnamed, and the conflict is listed in the result.
 * Screenshot: import-names.png (Settings with the result of the import).
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { requireDatasets } from '../helpers/paths';
import { BBT, tempDir } from './fixtures';
import { docScreenshot, ensureRendererBuilt, pageCall, tearDown, type Served, openApp } from './serve';

const SHELDON = ['sheldon1', 'sheldon2', 'sheldon3', 'sheldon4', 'sheldon5'];
const PENNY = ['penny1', 'penny2', 'penny3', 'penny4'];

interface Face {
  id: number;
  path: string;
  x: number;
  y: number;
  w: number;
  h: number;
  width: number;
  height: number;
  person: number | null;
}

let dir: string;
let served: Served | null = null;
let browser: Browser;
let page: Page;
/** The face of each photo (one a photo), by file name without extension, as the scan left it. */
const face: Record<string, Face> = {};
const call = <T>(method: string, params?: unknown): Promise<T> => pageCall<T>(page, method, params);
const origin = () => new URL(served!.url).origin;
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

/** A digiKam sidecar (photo.png.xmp) with one named face region on `f`: MWG, attribute form. */
function digiKamSidecar(f: Face, name: string): void {
  const x0 = Math.max(0, f.x / f.width);
  const y0 = Math.max(0, f.y / f.height);
  const x1 = Math.min(1, (f.x + f.w) / f.width);
  const y1 = Math.min(1, (f.y + f.h) / f.height);
  // A face box over (nearly) the whole photo would read as a person without a face.
  expect(x1 - x0 < 0.98 || y1 - y0 < 0.98, `${f.path}: the face is not the whole photo`).toBe(true);
  const xmp = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
    xmlns:digiKam="http://www.digikam.org/ns/1.0/"
    digiKam:TagsList="People/${name}">
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:AppliedToDimensions stDim:w="${f.width}" stDim:h="${f.height}" stDim:unit="pixel"/>
    <mwg-rs:RegionList>
     <rdf:Bag>
      <rdf:li>
       <rdf:Description mwg-rs:Name="${name}" mwg-rs:Type="Face">
        <mwg-rs:Area stArea:x="${(x0 + x1) / 2}" stArea:y="${(y0 + y1) / 2}" stArea:w="${x1 - x0}" stArea:h="${y1 - y0}" stArea:unit="normalized"/>
       </rdf:Description>
      </rdf:li>
     </rdf:Bag>
    </mwg-rs:RegionList>
   </mwg-rs:Regions>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`;
  fs.writeFileSync(`${f.path}.xmp`, xmp);
}

/** Settings -> "Read XMP"; resolves with the result line the card shows. */
async function readXmp(): Promise<string> {
  await page.goto(`${origin()}/#/settings`);
  const card = page.getByTestId('people-file');
  await card.waitFor();
  const before = await page.locator('[data-testid=people-file-result]').count();
  expect(before).toBe(0);
  await card.getByRole('button', { name: 'Read XMP' }).click();
  const result = page.getByTestId('people-file-result');
  await result.waitFor();
  return (await result.textContent())!.trim();
}

const faceIdsOf = (person: number) => call<number[]>('people.faceIds', { id: person }).then(sorted);
const ids = (names: string[]) => sorted(names.map((n) => face[n]!.id));

beforeAll(async () => {
  requireDatasets();
  ensureRendererBuilt();
  dir = tempDir('visage-e2e-import-names-');
  const lib = path.join(dir, 'Photos');
  fs.mkdirSync(lib);
  for (const n of [...SHELDON, ...PENNY]) fs.copyFileSync(path.join(BBT, n.replace(/\d+$/, ''), `${n}.png`), path.join(lib, `${n}.png`));
  const db = path.join(dir, 'visage.db');
  const scan = runCli(['scan', lib, '--db', db, '--json']);
  expect(scan.code, scan.stderr).toBe(0);
  const d = new BetterSqlite3(db, { readonly: true });
  try {
    const rows = d
      .prepare<[], Face>('SELECT f.id, p.path, f.x, f.y, f.w, f.h, p.width, p.height, fa.person_id AS person FROM faces f JOIN photos p ON p.id = f.photo_id LEFT JOIN face_assignments fa ON fa.face_id = f.id')
      .all();
    for (const r of rows) face[path.basename(r.path, '.png')] = r;
  } finally {
    d.close();
  }
  expect(Object.keys(face).sort(), 'one face found in each photo').toEqual([...SHELDON, ...PENNY].sort());
  // As the scan grouped them: one unnamed person each (checked against the page in the tests).
  expect(new Set(SHELDON.map((n) => face[n]!.person)).size).toBe(1);
  expect(new Set(PENNY.map((n) => face[n]!.person)).size).toBe(1);
  expect(face.sheldon1!.person).not.toBeNull();
  expect(face.penny1!.person).not.toBeNull();
  ({ served, browser, page } = await openApp(db));
}, 300_000);

afterAll(() => tearDown(browser, served, dir));

describe('names read from XMP sidecars (Chromium, real engine, real database)', () => {
  it('one face tagged in a digiKam sidecar names its whole person: every face of it, not a one-face person', async () => {
    const sheldon = face.sheldon1!.person!;
    const before = await call<{ id: number; name: string | null }[]>('people.list');
    expect(before.find((p) => p.id === sheldon)?.name).toBeNull();
    digiKamSidecar(face.sheldon5!, 'Sheldon Cooper');

    expect(await readXmp()).toBe('Read from XMP: 1 person, 1 face; 1 person named');
    // The whole person is "Sheldon Cooper", with all five faces; no one else is, and no person was added.
    await page.goto(`${origin()}/#/person/${sheldon}`);
    await expect.poll(() => page.getByTestId('person-name').inputValue()).toBe('Sheldon Cooper');
    await expect.poll(() => page.getByTestId('face-total').textContent()).toBe('5');
    expect(await faceIdsOf(sheldon)).toEqual(ids(SHELDON));
    const after = await call<{ id: number; name: string | null }[]>('people.list');
    expect(after.map((p) => p.id).sort()).toEqual(before.map((p) => p.id).sort());
    expect(after.filter((p) => p.name === 'Sheldon Cooper').map((p) => p.id)).toEqual([sheldon]);
    // The People page shows him by name with his five photos.
    await page.goto(`${origin()}/#/people`);
    await expect.poll(() => page.locator(`[data-person-id="${sheldon}"]`).getAttribute('aria-label')).toBe('Sheldon Cooper, 5 photos');
  });

  it('two faces of one person tagged with two names: only they move, the rest stays unnamed, and the conflict is listed', async () => {
    const penny = face.penny1!.person!;
    digiKamSidecar(face.penny1!, 'Penny');
    digiKamSidecar(face.penny2!, 'Bernadette');

    // Sheldon's sidecar is read again too (it confirms his face); Penny's person is the conflict.
    expect(await readXmp()).toBe(
      'Read from XMP: 3 people, 3 faces; 1 person with conflicting names (Penny / Bernadette): only the named faces moved',
    );
    await docScreenshot(page, 'import-names');
    const people = await call<{ id: number; name: string | null; faceCount: number }[]>('people.list');
    const named = (n: string) => people.filter((p) => p.name === n);
    expect(named('Penny')).toHaveLength(1);
    expect(named('Bernadette')).toHaveLength(1);
    expect(await faceIdsOf(named('Penny')[0]!.id)).toEqual(ids(['penny1']));
    expect(await faceIdsOf(named('Bernadette')[0]!.id)).toEqual(ids(['penny2']));
    // The untagged faces stay in the person they were in, unnamed.
    expect(people.find((p) => p.id === penny)).toMatchObject({ name: null, faceCount: 2 });
    expect(await faceIdsOf(penny)).toEqual(ids(['penny3', 'penny4']));
    // Sheldon is untouched by the second read.
    expect(await faceIdsOf(face.sheldon1!.person!)).toEqual(ids(SHELDON));
  });
});
