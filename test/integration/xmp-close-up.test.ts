/**
 * XMP round trips of close-ups: a photo whose DETECTED face covers the whole photo (faceapi-bbt's
 * sheldon2.png, 150x150: the detector's box is 0,0,150,150, i.e. the MWG area 0.5/0.5/1/1). A
 * whole-photo region is also how digiKam and Lightroom write a person on a photo without a face,
 * so the two must not be confused (issue 20: round trips keep names, faces and no-face tags):
 * - `visage xmp-write` then `visage xmp-read` into a fresh library: the close-up's face is named,
 *   the person tagged without a face on it stays a no-face tag, nothing is invented;
 * - a sidecar written by Visage before visage:NoFace (no marker at all) still reads sensibly: its
 *   whole-area region is the close-up's face where this library has one covering the photo, a
 *   no-face tag elsewhere;
 * - another tool's whole-photo region (no Visage extension) is a person without a face, also on a
 *   close-up;
 * - the people file (export/import) keeps faces and no-face tags apart (its own `tags` list).
 * Real photos, the real engine and real SQLite, through the real CLI.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { tagsOn } from '../helpers/library-db';
import { PEOPLE } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'visage-xmp-close-up-'));
const BBT = join(PEOPLE, 'faceapi-bbt');
/** The close-up: the detected face covers the whole photo (checked below). */
const CLOSE_UP = join(BBT, 'sheldon', 'sheldon2.png');
/** A photo whose face does not cover it whole (0.79 x 1.0 of it). */
const OTHER = join(BBT, 'penny', 'penny1.png');

interface Person {
  id: number;
  name: string | null;
  faceCount: number;
  photoCount: number;
}
interface ListedFace {
  id: number;
  photoId: number;
  path: string;
  box: { x: number; y: number; width: number; height: number };
}

function cli(args: string[]) {
  const r = runCli([...args, '--json']);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.lastJson();
}

/** A folder holding copies of the close-up and the other photo (no sidecars). */
function folder(name: string): { lib: string; closeUp: string; other: string } {
  const lib = join(dir, name);
  mkdirSync(lib, { recursive: true });
  const closeUp = join(lib, 'sheldon2.png');
  const other = join(lib, 'penny1.png');
  copyFileSync(CLOSE_UP, closeUp);
  copyFileSync(OTHER, other);
  return { lib, closeUp, other };
}

/** `lib` scanned into a fresh library `name`.db. */
function scan(lib: string, name: string): string {
  const db = join(dir, `${name}.db`);
  rmSync(db, { force: true });
  cli(['scan', lib, '--db', db, '--no-thumbnails']);
  return db;
}

/** The photo at `file` (id, size) and its faces. */
function facesOn(db: string, file: string): { photo: { id: number; width: number; height: number }; faces: ListedFace[] } {
  const photos = cli(['photos', '--db', db]).photos as { id: number; path: string; width: number; height: number }[];
  const photo = photos.find((p) => p.path === file)!;
  expect(photo, file).toBeDefined();
  const faces = (cli(['faces', '--db', db]).faces as ListedFace[]).filter((f) => f.photoId === photo.id);
  return { photo, faces };
}

/** The close-up's one face, checked to cover the photo both ways (>= 98 %, clamped as MWG areas are). */
function closeUpFace(db: string, file: string): ListedFace {
  const { photo, faces } = facesOn(db, file);
  expect(faces).toHaveLength(1);
  const b = faces[0]!.box;
  const w = Math.min(photo.width, b.x + b.width) - Math.max(0, b.x);
  const h = Math.min(photo.height, b.y + b.height) - Math.max(0, b.y);
  expect(w / photo.width, 'the close-up face covers the photo').toBeGreaterThanOrEqual(0.98);
  expect(h / photo.height, 'the close-up face covers the photo').toBeGreaterThanOrEqual(0.98);
  return faces[0]!;
}

const people = (db: string): Person[] => cli(['people', '--db', db]);
const nameOfFace = (db: string, faceId: number): string | null => {
  for (const p of people(db)) {
    if (p.faceCount > 0 && (cli(['person', '--db', db, '--person', String(p.id)]).faces as { id: number }[]).some((f) => f.id === faceId)) return p.name;
  }
  return null;
};


/**
 * The library `a`: the close-up's face named "Sheldon Cooper", the other photo's face "Penny", and
 * Penny tagged on the close-up without a face (two whole-area regions on one photo).
 */
function namedLibrary(name: string): { lib: string; closeUp: string; other: string; db: string; face: ListedFace } {
  const f = folder(name);
  const db = scan(f.lib, `${name}-a`);
  const face = closeUpFace(db, f.closeUp);
  const penny = facesOn(db, f.other).faces[0]!;
  cli(['split', '--db', db, '--faces', String(face.id), '--name', 'Sheldon Cooper']);
  const pennyId = cli(['split', '--db', db, '--faces', String(penny.id), '--name', 'Penny']).personIds[0] as number;
  cli(['tag-photo', '--db', db, '--photo', String(face.photoId), '--person', String(pennyId)]);
  return { ...f, db, face };
}

describe('XMP round trip of a close-up whose face covers the whole photo', () => {
  it('xmp-write then xmp-read into a fresh library: the close-up face is named, the person without a face stays a no-face tag, nothing is invented', () => {
    const a = namedLibrary('round-trip');
    expect(tagsOn(a.db, a.closeUp)).toEqual(['Penny']);
    const written = cli(['xmp-write', '--db', a.db]);
    expect(written).toMatchObject({ photos: 2, regions: 3, failed: [] });

    const b = scan(a.lib, 'round-trip-b');
    const face = closeUpFace(b, a.closeUp);
    const read = cli(['xmp-read', '--db', b]);
    expect(read.unmatched).toEqual([]);
    // The face is Sheldon's, and no one was invented a "person without a face" on the close-up.
    expect(nameOfFace(b, face.id)).toBe('Sheldon Cooper');
    expect(tagsOn(b, a.closeUp)).toEqual(['Penny']);
    expect(tagsOn(b, a.other)).toEqual([]);
    const byName = new Map(people(b).map((p) => [p.name, p]));
    expect(byName.get('Sheldon Cooper')).toMatchObject({ faceCount: 1, photoCount: 1 });
    expect(byName.get('Penny')).toMatchObject({ faceCount: 1, photoCount: 2 });

    // Other tools still see two whole-photo regions; Visage marks which one has no face.
    const xmp = readFileSync(`${a.closeUp}.xmp`, 'utf8');
    expect(xmp.match(/<stArea:w>1<\/stArea:w>/g)).toHaveLength(2);
    expect(xmp).toMatch(/<mwg-rs:Name>Penny<\/mwg-rs:Name>[\s\S]*?<visage:NoFace>True<\/visage:NoFace>/);
    expect(xmp).toMatch(/<mwg-rs:Name>Sheldon Cooper<\/mwg-rs:Name>[\s\S]*?<visage:NoFace>False<\/visage:NoFace>/);

    // Read again: nothing added twice.
    cli(['xmp-read', '--db', b]);
    expect(nameOfFace(b, face.id)).toBe('Sheldon Cooper');
    expect(tagsOn(b, a.closeUp)).toEqual(['Penny']);
  }, 300_000);

  it('a sidecar Visage wrote before visage:NoFace: the whole-area region is the close-up face where this library has one, a no-face tag elsewhere', () => {
    const f = folder('legacy');
    // What xmp-write wrote before visage:NoFace: Writer only, a whole-area region for the close-up
    // face (its clamped box), then one for the person tagged on it without a face (a photo's faces
    // were written before its no-face tags), and one for a person tagged on the other photo.
    const region = (name: string) => `      <rdf:li rdf:parseType="Resource">
       <mwg-rs:Name>${name}</mwg-rs:Name>
       <mwg-rs:Type>Face</mwg-rs:Type>
       <mwg-rs:Area rdf:parseType="Resource">
        <stArea:x>0.5</stArea:x>
        <stArea:y>0.5</stArea:y>
        <stArea:w>1</stArea:w>
        <stArea:h>1</stArea:h>
        <stArea:unit>normalized</stArea:unit>
       </mwg-rs:Area>
       <mwg-rs:Extensions rdf:parseType="Resource">
        <visage:Writer>Visage</visage:Writer>
       </mwg-rs:Extensions>
      </rdf:li>`;
    const sidecar = (...names: string[]) => `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Visage">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
    xmlns:visage="https://visage.app/ns/xmp/1.0/">
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:AppliedToDimensions rdf:parseType="Resource">
     <stDim:w>150</stDim:w>
     <stDim:h>150</stDim:h>
     <stDim:unit>pixel</stDim:unit>
    </mwg-rs:AppliedToDimensions>
    <mwg-rs:RegionList>
     <rdf:Bag>
${names.map(region).join('\n')}
     </rdf:Bag>
    </mwg-rs:RegionList>
   </mwg-rs:Regions>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`;
    writeFileSync(`${f.closeUp}.xmp`, sidecar('Sheldon Cooper', 'Penny'));
    writeFileSync(`${f.other}.xmp`, sidecar('Leonard'));
    const db = scan(f.lib, 'legacy');
    const face = closeUpFace(db, f.closeUp);
    const read = cli(['xmp-read', '--db', db]);
    expect(read.unmatched).toEqual([]);
    expect(nameOfFace(db, face.id)).toBe('Sheldon Cooper');
    expect(tagsOn(db, f.closeUp)).toEqual(['Penny']);
    // The other photo's face does not cover it: the region is a person without a face there.
    expect(tagsOn(db, f.other)).toEqual(['Leonard']);
    expect(nameOfFace(db, facesOn(db, f.other).faces[0]!.id)).toBeNull();
  }, 300_000);

  it('another tool\'s whole-photo region (no Visage extension) on the close-up is a person without a face, not its face', () => {
    const f = folder('digikam');
    const db = scan(f.lib, 'digikam');
    const face = closeUpFace(db, f.closeUp);
    // digiKam's way of tagging a person without a face: a Face region over the whole photo.
    writeFileSync(
      `${f.closeUp}.xmp`,
      `<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
        xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#" xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">
        <mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:AppliedToDimensions stDim:w="150" stDim:h="150" stDim:unit="pixel"/><mwg-rs:RegionList><rdf:Bag>
        <rdf:li><rdf:Description mwg-rs:Name="Carl" mwg-rs:Type="Face"><mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="1" stArea:h="1" stArea:unit="normalized"/></rdf:Description></rdf:li>
        </rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>`,
    );
    const read = cli(['xmp-read', '--db', db]);
    expect(read.unmatched).toEqual([]);
    expect(tagsOn(db, f.closeUp)).toEqual(['Carl']);
    expect(nameOfFace(db, face.id)).toBeNull();
    expect(people(db).find((p) => p.name === 'Carl')).toMatchObject({ faceCount: 0, photoCount: 1 });
  }, 300_000);

  it('the people file keeps the close-up face and the person without a face apart', () => {
    const a = namedLibrary('people-file');
    const file = join(dir, 'close-up.visage-people.json');
    cli(['export', '--db', a.db, '--out', file]);
    const b = scan(a.lib, 'people-file-b');
    const face = closeUpFace(b, a.closeUp);
    const r = cli(['import', '--db', b, '--file', file]);
    expect(r.unmatched).toEqual([]);
    expect(nameOfFace(b, face.id)).toBe('Sheldon Cooper');
    expect(tagsOn(b, a.closeUp)).toEqual(['Penny']);
  }, 300_000);
});
