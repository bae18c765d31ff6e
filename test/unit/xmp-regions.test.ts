/** XMP face regions (MWG): sidecar write/read/merge, embedded XMP, orientation. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  XmpError,
  areaFromBox,
  boxFromArea,
  findSidecar,
  mergeRegionsIntoXmp,
  newXmpPacket,
  noFaceRegions,
  orientArea,
  parseRegions,
  parseXml,
  readEmbeddedRegions,
  readPhotoRegions,
  readSidecarRegions,
  regionIsNoFace,
  sidecarForWriting,
  uprightRegions,
  writeSidecarRegions,
  type Area,
  type RegionInfo,
} from '../../app/interop/xmp';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'visage-xmp-'));

async function jpeg(file: string, width = 64, height = 48, orientation?: number): Promise<void> {
  let img = sharp({ create: { width, height, channels: 3, background: '#808080' } }).jpeg();
  if (orientation) img = img.withMetadata({ orientation });
  await img.toFile(file);
}

const NAMES = ['Zoë "Z" O\'Brien & <Co>', '李小龍', 'Ana 🙂 María-José', 'tab\tand newline\nname', '  spaced  ', ']]> &amp; </mwg-rs:Name>'];
/** Names as written: one line, trimmed. */
const WRITTEN = NAMES.map((n) => n.replace(/\s+/g, ' ').trim());

function sample(): RegionInfo {
  return {
    dimensions: { w: 4000, h: 3000 },
    regions: NAMES.map((name, i) => ({ name, type: 'Face', area: { x: 0.1 + i * 0.15, y: 0.3, w: 0.08, h: 0.1 } })),
  };
}

function expectSameRegions(got: RegionInfo | null, want: RegionInfo): void {
  expect(got).not.toBeNull();
  expect(got!.dimensions).toEqual(want.dimensions);
  expect(got!.regions.map((r) => [r.name, r.type])).toEqual(want.regions.map((r) => [r.name === null ? null : r.name.replace(/\s+/g, ' ').trim(), r.type]));
  got!.regions.forEach((r, i) => {
    for (const k of ['x', 'y', 'w', 'h'] as const) expect(r.area[k]).toBeCloseTo(want.regions[i]!.area[k], 6);
  });
}

/** The document with every mwg-rs:Regions element cut out: what must not change in a merge. */
function withoutRegions(xml: string): string {
  const root = parseXml(xml);
  const cuts: [number, number][] = [];
  const walk = (el: ReturnType<typeof parseXml>) => {
    if (el.local === 'Regions' && el.ns === 'http://www.metadataworkinggroup.com/schemas/regions/') cuts.push([el.start, el.end]);
    else el.children.forEach(walk);
  };
  walk(root);
  let out = xml;
  for (const [s, e] of cuts.sort((a, b) => b[0] - a[0])) out = out.slice(0, s) + out.slice(e);
  return out.replace(/\s+/g, ' ');
}

// A Lightroom-style sidecar: develop settings as attributes, keywords, rating, a comment, and a
// region list holding another tool's face, a face Visage also found, and a focus region.
const LIGHTROOM = `<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000 1.000000, 0000/00/00-00:00:00        ">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <!-- edited in Lightroom -->
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
   xmp:Rating="4"
   crs:Exposure2012="+0.35"
   crs:WhiteBalance="As Shot">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>holiday &amp; friends</rdf:li>
     <rdf:li>beach</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:AppliedToDimensions stDim:w="4000" stDim:h="3000" stDim:unit="pixel"/>
    <mwg-rs:RegionList>
     <rdf:Bag>
      <rdf:li>
       <rdf:Description mwg-rs:Name="Grandma (from Lightroom)" mwg-rs:Type="Face">
        <mwg-rs:Area stArea:x="0.9" stArea:y="0.85" stArea:w="0.05" stArea:h="0.06" stArea:unit="normalized"/>
       </rdf:Description>
      </rdf:li>
      <rdf:li>
       <rdf:Description mwg-rs:Name="Old name" mwg-rs:Type="Face">
        <mwg-rs:Area stArea:x="0.101" stArea:y="0.301" stArea:w="0.08" stArea:h="0.1" stArea:unit="normalized"/>
       </rdf:Description>
      </rdf:li>
      <rdf:li>
       <rdf:Description mwg-rs:Type="Focus" mwg-rs:FocusUsage="EvaluatedUsed">
        <mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="0.1" stArea:h="0.1" stArea:unit="normalized"/>
       </rdf:Description>
      </rdf:li>
     </rdf:Bag>
    </mwg-rs:RegionList>
   </mwg-rs:Regions>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`;

describe('MWG areas', () => {
  it('pixel boxes <-> normalised centre-based areas, clamped to the image', () => {
    const a = areaFromBox({ x: 100, y: 50, width: 200, height: 100 }, 1000, 500);
    for (const k of ['x', 'y', 'w', 'h'] as const) expect(a[k]).toBeCloseTo(0.2, 12);
    const b = boxFromArea(a, 1000, 500);
    expect([b.x, b.y, b.width, b.height].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([100, 50, 200, 100]);
    const edge = areaFromBox({ x: -20, y: 450, width: 100, height: 100 }, 1000, 500);
    expect(edge.x - edge.w / 2).toBe(0);
    expect(edge.y + edge.h / 2).toBeCloseTo(1, 12);
  });
});

describe('sidecars', () => {
  it('writes photo.jpg.xmp (digiKam naming) and reads the same regions back, special characters included', async () => {
    const dir = tmpDir();
    const photo = path.join(dir, 'IMG_0001.jpg');
    await jpeg(photo);
    const info = sample();
    const file = writeSidecarRegions(photo, info);
    expect(file).toBe(path.join(dir, 'IMG_0001.jpg.xmp'));
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('mwg-rs:Regions');
    expect(text).toContain('<stArea:unit>normalized</stArea:unit>');
    expect(text).toContain('&lt;Co&gt;');
    expectSameRegions(readSidecarRegions(photo), info);
    // Writing the same regions again changes nothing.
    writeSidecarRegions(photo, info);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('reads a Lightroom/darktable photo.xmp, and merges into it when no other file shares its stem', async () => {
    const dir = tmpDir();
    const photo = path.join(dir, 'DSC_1.jpg');
    await jpeg(photo);
    fs.writeFileSync(path.join(dir, 'DSC_1.xmp'), LIGHTROOM);
    expect(findSidecar(photo)).toBe(path.join(dir, 'DSC_1.xmp'));
    const read = readSidecarRegions(photo)!;
    expect(read.regions.map((r) => [r.name, r.type])).toEqual([
      ['Grandma (from Lightroom)', 'Face'],
      ['Old name', 'Face'],
      [null, 'Focus'],
    ]);
    expect(sidecarForWriting(photo)).toBe(path.join(dir, 'DSC_1.xmp'));
    // With a RAW beside it, DSC_1.xmp is the RAW's: the JPEG gets its own DSC_1.jpg.xmp.
    fs.writeFileSync(path.join(dir, 'DSC_1.NEF'), 'raw');
    expect(sidecarForWriting(photo)).toBe(path.join(dir, 'DSC_1.jpg.xmp'));
  });

  it('merging keeps every other tag byte for byte, non-face regions and uncovered faces of other tools', () => {
    const info = sample();
    const merged = mergeRegionsIntoXmp(LIGHTROOM, info);
    // Outside mwg-rs:Regions the only change is the declaration of Visage's marker namespace.
    expect(withoutRegions(merged).replace(' xmlns:visage="https://visage.app/ns/xmp/1.0/"', '')).toBe(withoutRegions(LIGHTROOM));
    for (const s of ['xmp:Rating="4"', 'crs:Exposure2012="+0.35"', '<rdf:li>holiday &amp; friends</rdf:li>', '<!-- edited in Lightroom -->', 'x:xmptk="Adobe XMP Core']) {
      expect(merged).toContain(s);
    }
    const got = parseRegions(merged)!;
    expect(got.dimensions).toEqual({ w: 4000, h: 3000 });
    const names = got.regions.map((r) => r.name);
    expect(names.slice(0, NAMES.length)).toEqual(WRITTEN);
    // "Old name" sat where Visage's first face is: replaced. Grandma and the focus region stay.
    expect(names).not.toContain('Old name');
    expect(names).toContain('Grandma (from Lightroom)');
    expect(got.regions.filter((r) => r.type === 'Focus').length).toBe(1);
    expect(got.regions.length).toBe(NAMES.length + 2);
    // Idempotent: merging the same faces again gives the same document.
    expect(mergeRegionsIntoXmp(merged, info)).toBe(merged);
    // replaceAllFaces drops the other tool's faces too.
    const only = parseRegions(mergeRegionsIntoXmp(LIGHTROOM, info, { replaceAllFaces: true }))!;
    expect(only.regions.map((r) => r.name)).toEqual([...WRITTEN, null]);
  });

  it('writing no faces removes Visage faces but keeps the rest; an empty list removes Regions', () => {
    const noFaces: RegionInfo = { dimensions: { w: 4000, h: 3000 }, regions: [] };
    const out = mergeRegionsIntoXmp(LIGHTROOM, noFaces, { replaceAllFaces: true });
    expect(parseRegions(out)!.regions.map((r) => r.type)).toEqual(['Focus']);
    const bare = mergeRegionsIntoXmp(mergeRegionsIntoXmp(null, sample()), noFaces);
    expect(parseRegions(bare)).toBeNull();
    expect(() => parseXml(bare)).not.toThrow();
  });

  it('merges into sidecars of other shapes: self-closing Description, no Description, other prefixes', () => {
    const selfClosing = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="2"/></rdf:RDF></x:xmpmeta>`;
    const a = mergeRegionsIntoXmp(selfClosing, sample());
    expect(a).toContain('xmp:Rating="2"');
    expectSameRegions(parseRegions(a), sample());

    const noDesc = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;
    expectSameRegions(parseRegions(mergeRegionsIntoXmp(noDesc, sample())), sample());

    // Unusual prefixes, bound to the right URIs, are reused; the regions still read back.
    const odd = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><R:RDF xmlns:R="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><R:Description R:about="" xmlns:rs="http://www.metadataworkinggroup.com/schemas/regions/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><R:Alt><R:li xml:lang="x-default">Summer</R:li></R:Alt></dc:title></R:Description></R:RDF></x:xmpmeta>`;
    const b = mergeRegionsIntoXmp(odd, sample());
    expect(b).toContain('<rs:Regions');
    expect(b).toContain('<R:li xml:lang="x-default">Summer</R:li>');
    expectSameRegions(parseRegions(b), sample());
  });

  it('refuses to touch a sidecar that is not well-formed XML', async () => {
    const dir = tmpDir();
    const photo = path.join(dir, 'x.jpg');
    await jpeg(photo);
    const side = path.join(dir, 'x.jpg.xmp');
    fs.writeFileSync(side, '<x:xmpmeta><rdf:RDF>broken');
    expect(() => writeSidecarRegions(photo, sample())).toThrow(XmpError);
    expect(fs.readFileSync(side, 'utf8')).toBe('<x:xmpmeta><rdf:RDF>broken');
  });

  it('reads ExifTool-style (elements) and Exiv2/digiKam-style (attributes) region lists alike', () => {
    const exiftool = `<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
 <rdf:Description rdf:about='' xmlns:mwg-rs='http://www.metadataworkinggroup.com/schemas/regions/' xmlns:stArea='http://ns.adobe.com/xmp/sType/Area#' xmlns:stDim='http://ns.adobe.com/xap/1.0/sType/Dimensions#'>
  <mwg-rs:Regions rdf:parseType='Resource'>
   <mwg-rs:AppliedToDimensions rdf:parseType='Resource'><stDim:h>3000</stDim:h><stDim:unit>pixel</stDim:unit><stDim:w>4000</stDim:w></mwg-rs:AppliedToDimensions>
   <mwg-rs:RegionList><rdf:Bag>
    <rdf:li rdf:parseType='Resource'>
     <mwg-rs:Area rdf:parseType='Resource'><stArea:h>0.1</stArea:h><stArea:unit>normalized</stArea:unit><stArea:w>0.08</stArea:w><stArea:x>0.25</stArea:x><stArea:y>0.4</stArea:y></mwg-rs:Area>
     <mwg-rs:Name>J&#xF6;rg</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type>
    </rdf:li>
   </rdf:Bag></mwg-rs:RegionList>
  </mwg-rs:Regions>
 </rdf:Description></rdf:RDF></x:xmpmeta>`;
    const a = parseRegions(exiftool)!;
    expect(a.dimensions).toEqual({ w: 4000, h: 3000 });
    expect(a.regions).toEqual([{ name: 'Jörg', type: 'Face', area: { x: 0.25, y: 0.4, w: 0.08, h: 0.1 } }]);
    const b = parseRegions(LIGHTROOM)!;
    expect(b.regions[0]).toEqual({ name: 'Grandma (from Lightroom)', type: 'Face', area: { x: 0.9, y: 0.85, w: 0.05, h: 0.06 } });
  });
});

describe('embedded XMP', () => {
  it('reads regions from the XMP packet inside a JPEG; a sidecar takes precedence', async () => {
    const dir = tmpDir();
    const photo = path.join(dir, 'embedded.jpg');
    const info = sample();
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
      .jpeg()
      .withXmp(newXmpPacket(info, 'another tool'))
      .toFile(photo);
    expectSameRegions(await readEmbeddedRegions(photo), info);
    expectSameRegions(await readEmbeddedRegions(fs.readFileSync(photo)), info);
    const fromPhoto = await readPhotoRegions(photo);
    expect(fromPhoto!.source).toBe('embedded');

    const mine: RegionInfo = { dimensions: { w: 64, h: 48 }, regions: [{ name: 'Sidecar wins', type: 'Face', area: { x: 0.5, y: 0.5, w: 0.2, h: 0.2 } }] };
    writeSidecarRegions(photo, mine);
    const again = await readPhotoRegions(photo);
    expect(again!.source).toBe(`${photo}.xmp`);
    expect(again!.regions.map((r) => r.name)).toEqual(['Sidecar wins']);

    const plain = path.join(dir, 'plain.jpg');
    await jpeg(plain);
    expect(await readEmbeddedRegions(plain)).toBeNull();
    expect(await readPhotoRegions(plain)).toBeNull();
  });
});

describe('people without a face: whole-photo regions', () => {
  it('a Visage whole-photo region keeps another tool\'s whole-photo region of another name, replaces one of the same name, and a drawn face is marked', async () => {
    const dir = tmpDir();
    const photo = path.join(dir, 'p.jpg');
    await jpeg(photo);
    const whole = { x: 0.5, y: 0.5, w: 1, h: 1 };
    // digiKam's way: a person without a face area is a Face region over the whole photo.
    const li = (name: string, w: number) =>
      `<rdf:li><rdf:Description mwg-rs:Name="${name}" mwg-rs:Type="Face"><mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="${w}" stArea:h="${w}" stArea:unit="normalized"/></rdf:Description></rdf:li>`;
    fs.writeFileSync(
      `${photo}.xmp`,
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
        xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">
        <mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>${li('Tagged in digiKam', 1)}${li('Same person', 0.99)}</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>
        </rdf:Description></rdf:RDF></x:xmpmeta>`,
    );
    expect((await readSidecarRegions(`${photo}.xmp`))!.regions.map((r) => r.visage ?? false)).toEqual([false, false]);
    writeSidecarRegions(photo, { dimensions: { w: 64, h: 48 }, regions: [
      { name: 'Same person', type: 'Face', area: whole },
      { name: 'Drawn', type: 'Face', area: { x: 0.3, y: 0.3, w: 0.2, h: 0.2 }, drawn: true },
    ] });
    const back = (await readSidecarRegions(`${photo}.xmp`))!;
    expect(back.regions.map((r) => [r.name, r.visage ?? false, r.drawn ?? false]).sort()).toEqual([
      ['Drawn', true, true],
      ['Same person', true, false],
      ['Tagged in digiKam', false, false],
    ]);
  });
});

describe('people without a face and close-up faces: visage:NoFace', () => {
  const whole = { x: 0.5, y: 0.5, w: 1, h: 1 };
  const face = { x: 0.3, y: 0.3, w: 0.2, h: 0.2 };

  it('every region Visage writes says whether it is a face; a close-up face over the whole photo reads back as a face, the no-face tag as one', () => {
    const xmp = newXmpPacket({ dimensions: { w: 150, h: 150 }, regions: [
      { name: 'Close-up', type: 'Face', area: whole },
      { name: 'Tagged', type: 'Face', area: whole, noFace: true },
      { name: 'Small', type: 'Face', area: face },
    ] });
    expect(xmp.match(/<visage:NoFace>(True|False)<\/visage:NoFace>/g)).toEqual([
      '<visage:NoFace>False</visage:NoFace>',
      '<visage:NoFace>True</visage:NoFace>',
      '<visage:NoFace>False</visage:NoFace>',
    ]);
    const back = parseRegions(xmp)!.regions;
    expect(back.map((r) => [r.name, r.noFace, regionIsNoFace(r)])).toEqual([
      ['Close-up', false, false],
      ['Tagged', true, true],
      ['Small', false, false],
    ]);
    // Other tools still see the whole photo for both.
    expect(back[0]!.area).toEqual(whole);
    expect(back[1]!.area).toEqual(whole);
  });

  it('without visage:NoFace: another tool\'s whole-photo region is a no-face tag, a smaller one a face; an old Visage whole-area region is decided by the photo\'s faces', () => {
    expect(regionIsNoFace({ name: 'digiKam', type: 'Face', area: whole })).toBe(true);
    expect(regionIsNoFace({ name: 'inset', type: 'Face', area: { x: 0.5, y: 0.5, w: 0.985, h: 0.99 } })).toBe(true);
    expect(regionIsNoFace({ name: 'digiKam', type: 'Face', area: face })).toBe(false);
    expect(regionIsNoFace({ name: 'old', type: 'Face', area: face, visage: true })).toBe(false);
    expect(regionIsNoFace({ name: 'old', type: 'Face', area: whole, visage: true })).toBeNull();
    expect(regionIsNoFace({ name: 'old drawn', type: 'Face', area: whole, visage: true, drawn: true })).toBe(false);
    // The mark wins over the area, whoever kept it.
    expect(regionIsNoFace({ name: 'marked', type: 'Face', area: face, noFace: true })).toBe(true);
    expect(regionIsNoFace({ name: 'marked', type: 'Face', area: whole, noFace: false })).toBe(false);

    // Old Visage sidecars wrote a photo's faces before its no-face tags: with one close-up face in
    // the library, the first old whole-area region is that face, the others no-face tags.
    const old = (name: string) => ({ name, type: 'Face', area: whole, visage: true });
    const regions = [{ name: 'digiKam', type: 'Face', area: whole }, old('Face'), old('Tag 1'), old('Tag 2'), { name: 'New', type: 'Face', area: whole, visage: true, noFace: true }];
    expect(noFaceRegions(regions, 1)).toEqual([true, false, true, true, true]);
    expect(noFaceRegions(regions, 0)).toEqual([true, true, true, true, true]);
  });

  it('merging: a close-up face replaces another tool\'s region of that face; another tool\'s whole-photo region of another name stays a person without a face', () => {
    const li = (name: string, w: number, h: number) =>
      `<rdf:li><rdf:Description mwg-rs:Name="${name}" mwg-rs:Type="Face"><mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="${w}" stArea:h="${h}" stArea:unit="normalized"/></rdf:Description></rdf:li>`;
    const digiKam = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
        xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">
        <mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>${li('Sheldon (digiKam)', 0.8, 0.9)}${li('Carl', 1, 1)}</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>
        </rdf:Description></rdf:RDF></x:xmpmeta>`;
    const merged = parseRegions(mergeRegionsIntoXmp(digiKam, { dimensions: { w: 150, h: 150 }, regions: [{ name: 'Sheldon', type: 'Face', area: whole }] }))!.regions;
    expect(merged.map((r) => [r.name, regionIsNoFace(r)])).toEqual([
      ['Sheldon', false],
      ['Carl', true],
    ]);
    // Visage's own no-face tag does not cover another tool's face, only its no-face tag of the same name.
    const tagged = parseRegions(mergeRegionsIntoXmp(digiKam, { dimensions: { w: 150, h: 150 }, regions: [{ name: 'carl', type: 'Face', area: whole, noFace: true }] }))!.regions;
    expect(tagged.map((r) => [r.name, regionIsNoFace(r)])).toEqual([
      ['carl', true],
      ['Sheldon (digiKam)', false],
    ]);
  });

  it('reads visage:NoFace in any XMP form (attributes, case of the Boolean)', () => {
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
      xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#" xmlns:visage="https://visage.app/ns/xmp/1.0/">
      <mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>
      <rdf:li><rdf:Description mwg-rs:Name="A" mwg-rs:Type="Face"><mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="1" stArea:h="1" stArea:unit="normalized"/><mwg-rs:Extensions visage:Writer="Visage" visage:NoFace="false"/></rdf:Description></rdf:li>
      <rdf:li><rdf:Description mwg-rs:Name="B" mwg-rs:Type="Face"><mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="1" stArea:h="1" stArea:unit="normalized"/><mwg-rs:Extensions visage:Writer="Visage" visage:NoFace="TRUE"/></rdf:Description></rdf:li>
      <rdf:li><rdf:Description mwg-rs:Name="C" mwg-rs:Type="Face"><mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="1" stArea:h="1" stArea:unit="normalized"/><mwg-rs:Extensions visage:Writer="Visage" visage:NoFace="maybe"/></rdf:Description></rdf:li>
      </rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>`;
    expect(parseRegions(xmp)!.regions.map((r) => [r.name, r.noFace, regionIsNoFace(r)])).toEqual([
      ['A', false, false],
      ['B', true, true],
      ['C', undefined, null],
    ]);
  });
});

describe('birth dates', () => {
  it('a named region carries its person\'s birth date in Visage\'s extension; an unnamed one, or a malformed date, carries none', async () => {
    const dir = tmpDir();
    const photo = path.join(dir, 'b.jpg');
    await jpeg(photo);
    writeSidecarRegions(photo, { dimensions: { w: 64, h: 48 }, regions: [
      { name: 'Anna', type: 'Face', area: { x: 0.3, y: 0.3, w: 0.2, h: 0.2 }, birthDate: '1984-02-29' },
      { name: null, type: 'Face', area: { x: 0.7, y: 0.3, w: 0.2, h: 0.2 }, birthDate: '1990-01-01' },
      { name: 'Bad', type: 'Face', area: { x: 0.5, y: 0.7, w: 0.2, h: 0.2 }, birthDate: '1990-13-01' },
    ] });
    const xmp = fs.readFileSync(`${photo}.xmp`, 'utf8');
    expect(xmp.match(/<visage:BirthDate>/g)).toHaveLength(1);
    const back = (await readSidecarRegions(`${photo}.xmp`))!;
    expect(back.regions.map((r) => [r.name, r.birthDate ?? null])).toEqual([['Anna', '1984-02-29'], [null, null], ['Bad', null]]);
    // A date another tool mangled is not read.
    fs.writeFileSync(`${photo}.xmp`, xmp.replace('1984-02-29', '84-2-29'));
    expect((await readSidecarRegions(`${photo}.xmp`))!.regions[0]!.birthDate).toBeUndefined();
  });
});

describe('orientation', () => {
  /** Bounding box of the white pixels of an upright (EXIF-rotated) decode. */
  async function whiteBox(file: string) {
    const { data, info } = await sharp(file).rotate().raw().toBuffer({ resolveWithObject: true });
    let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        if (data[(y * info.width + x) * info.channels]! > 200) {
          x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
        }
      }
    }
    return { width: info.width, height: info.height, box: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 } };
  }

  it('orientArea maps stored-image areas to the displayed image for EXIF orientations 1-8', async () => {
    const dir = tmpDir();
    // Stored 96x64 PNG-like content, a white block at stored (8..32, 8..24).
    const block = { x: 8, y: 8, width: 24, height: 16 };
    const stored: Area = areaFromBox(block, 96, 64);
    for (let o = 1; o <= 8; o++) {
      const file = path.join(dir, `o${o}.png`);
      const raw = Buffer.alloc(96 * 64 * 3, 0);
      for (let y = block.y; y < block.y + block.height; y++) for (let x = block.x; x < block.x + block.width; x++) raw.fill(255, (y * 96 + x) * 3, (y * 96 + x) * 3 + 3);
      await sharp(raw, { raw: { width: 96, height: 64, channels: 3 } }).withMetadata({ orientation: o }).png().toFile(file);
      const shown = await whiteBox(file);
      const expected = boxFromArea(orientArea(stored, o), shown.width, shown.height);
      expect([expected.x, expected.y, expected.width, expected.height].map(Math.round), `orientation ${o}`).toEqual([shown.box.x, shown.box.y, shown.box.width, shown.box.height]);
    }
  });

  it('regions are written relative to the upright photo (MWG) and read back upright', async () => {
    const dir = tmpDir();
    const photo = path.join(dir, 'portrait.jpg');
    await jpeg(photo, 60, 40, 6); // stored landscape, shown as a 40x60 portrait
    const meta = await sharp(photo).metadata();
    expect(meta.orientation).toBe(6);
    const upright = { width: meta.height!, height: meta.width!, orientation: 6 };
    const face = { x: 10, y: 30, width: 12, height: 16 }; // in upright pixels, as Visage stores it
    writeSidecarRegions(photo, { dimensions: { w: upright.width, h: upright.height }, regions: [{ name: 'Upright', type: 'Face', area: areaFromBox(face, upright.width, upright.height) }] });
    const read = readSidecarRegions(photo)!;
    expect(read.dimensions).toEqual({ w: 40, h: 60 });
    const [r] = uprightRegions(read, upright);
    const box = boxFromArea(r!.area, upright.width, upright.height);
    expect([box.x, box.y, box.width, box.height].map((v) => Math.round(v * 1000) / 1000)).toEqual([10, 30, 12, 16]);

    // A tool that ignored the orientation wrote regions on the stored 60x40 frame: converted.
    const storedArea = orientArea(areaFromBox(face, 40, 60), 8); // inverse of 6 for the test
    const legacy: RegionInfo = { dimensions: { w: 60, h: 40 }, regions: [{ name: 'Legacy', type: 'Face', area: storedArea }] };
    const [fixed] = uprightRegions(legacy, upright);
    const b2 = boxFromArea(fixed!.area, upright.width, upright.height);
    expect([b2.x, b2.y, b2.width, b2.height].map((v) => Math.round(v * 1000) / 1000)).toEqual([10, 30, 12, 16]);
  });
});
