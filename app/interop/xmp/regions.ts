/**
 * Face regions in the Metadata Working Group regions format (MWG Guidelines 2.0, "Image Region
 * Metadata"), the format digiKam, Lightroom Classic, Picasa's successors, ExifTool and others read
 * and write:
 *
 *   mwg-rs:Regions (struct)
 *     mwg-rs:AppliedToDimensions  stDim:w, stDim:h, stDim:unit="pixel"
 *     mwg-rs:RegionList (bag of structs)
 *       mwg-rs:Name, mwg-rs:Type ("Face"), mwg-rs:Description (optional)
 *       mwg-rs:Area  stArea:x, stArea:y (the region's CENTRE), stArea:w, stArea:h, all normalised
 *                    to 0..1 of the image's width/height, stArea:unit="normalized"
 *       mwg-rs:Extensions (Visage's regions)  visage:Writer "Visage", visage:NoFace True/False (a
 *                    person without a face, or a face: see `regionIsNoFace`), visage:Drawn True,
 *                    visage:BirthDate YYYY-MM-DD
 *
 * Orientation: MWG regions describe the image as it is displayed, i.e. after the EXIF Orientation
 * has been applied, and AppliedToDimensions are the displayed (upright) width and height. Visage's
 * face boxes are in upright pixels too (app/faces/image.ts decodes with the orientation applied), so
 * writing is a plain normalisation. When reading, a region list whose AppliedToDimensions match
 * the stored (unrotated) size of a 90°-rotated photo was written by a tool that ignored the
 * orientation; `uprightRegions` turns those into upright coordinates.
 */
import type { Box } from '../../faces/types';
import { NS, attr, escapeXml, findAll, parseXml, type XmlElement } from './xml';

/** A normalised, centre-based MWG area. */
export interface Area {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Region {
  /** mwg-rs:Name: the person's name (null when the region has none). Written on one line:
   * runs of whitespace (tabs, newlines) become one space, leading/trailing spaces are dropped. */
  name: string | null;
  /** mwg-rs:Type: "Face" for faces; MWG also defines Pet, Focus, BarCode. */
  type: string;
  area: Area;
  description?: string;
  /** True for regions Visage wrote (marked in mwg-rs:Extensions); a rewrite replaces them. */
  visage?: boolean;
  /**
   * A face the user drew by hand in Visage (visage:Drawn in mwg-rs:Extensions): a library that
   * lacks it draws it again on reading.
   */
  drawn?: boolean;
  /**
   * The named person's birth date, YYYY-MM-DD (visage:BirthDate in mwg-rs:Extensions; MWG has no
   * field for it, and other tools keep extensions they do not know): another Visage library
   * reading the sidecar gets the person's birthday with the name.
   */
  birthDate?: string;
  /**
   * visage:NoFace in mwg-rs:Extensions. Writing: true for a person on the photo without a face
   * (a no-face tag, written over the whole photo as other tools write one); anything else is a
   * face and is written with visage:NoFace False, so that a face covering the whole photo (a
   * close-up) is not read back as a no-face tag. Reading: the value in the file, undefined when it
   * has none (other tools' regions, Visage's from before visage:NoFace): see `regionIsNoFace`.
   */
  noFace?: boolean;
}

/** YYYY-MM-DD with a real month and day (the format persons' birth dates are stored in). */
const ISO_DATE = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export interface RegionInfo {
  /** Width and height (pixels) of the image the regions were drawn on, as displayed. */
  dimensions: { w: number; h: number } | null;
  regions: Region[];
}

/**
 * MWG area of a person on a photo without a face: the whole photo, as digiKam and Lightroom write
 * and read such a tag (centre 0.5,0.5, size 1x1, normalised).
 */
export const WHOLE_PHOTO_AREA = { x: 0.5, y: 0.5, w: 1, h: 1 } as const;
/**
 * Normalised width and height (0..1) from which a read region is the whole photo (a person
 * without a face): 0.98, not 1, so that tools that round or inset their whole-photo region by a
 * pixel or two still read as one; no face is drawn that close to a photo's four edges.
 */
export const WHOLE_PHOTO_MIN = 0.98;

/** A region that covers the whole photo (a person without a face area, or a close-up face: see `regionIsNoFace`). */
export function isWholePhoto(a: Area): boolean {
  return a.w >= WHOLE_PHOTO_MIN && a.h >= WHOLE_PHOTO_MIN;
}

/**
 * Is a read region a person on the photo without a face (a no-face tag), or a face?
 *
 * The whole-photo area is ambiguous: digiKam and Lightroom tag a person without a face that way,
 * and a close-up's detected face covers the photo too (a face box over >= 98 % of it both ways is
 * written as ~0.5/0.5/1/1). So Visage says which one each of its regions is, and the decision is
 * made per REGION, not per sidecar: a sidecar is shared with other tools, which add, keep or drop
 * regions (digiKam may add its own whole-photo no-face region next to Visage's faces, ExifTool
 * rewrites the packet keeping mwg-rs:Extensions), so a mark once per file (or "any Visage region
 * in the list") would go stale and turn another tool's no-face tag into a face; a region's own
 * mwg-rs:Extensions travel with the region they describe. Hence:
 * - visage:NoFace True: a no-face tag; visage:NoFace False: a face, whatever its area;
 * - no visage:NoFace, not the whole photo: a face;
 * - no visage:NoFace, the whole photo, not Visage's (no visage:Writer: digiKam, Lightroom,
 *   ExifTool, Microsoft regions): a no-face tag, as those tools mean it;
 * - no visage:NoFace, the whole photo, Visage's: written before visage:NoFace existed, when a
 *   whole-area Visage region was a no-face tag or a close-up face alike. A face drawn by hand
 *   (visage:Drawn) is a face; otherwise `null`: the reader decides with the photo's faces
 *   (`noFaceRegions`).
 */
export function regionIsNoFace(r: Region): boolean | null {
  if (r.noFace !== undefined) return r.noFace;
  if (!isWholePhoto(r.area)) return false;
  if (!r.visage) return true;
  return r.drawn ? false : null;
}

/**
 * `regionIsNoFace` for each region of one photo, the old Visage regions (`null`) decided with the
 * faces the reading library has on the photo. Visage wrote a whole-area region for a face only
 * when the face itself covered the photo, and wrote a photo's faces before its no-face tags; so
 * when the library has `wholePhotoFaces` faces covering the photo (a close-up: 1), the first that
 * many old whole-area regions (in the file's order) are those faces and the rest are no-face tags;
 * on a photo without such a face they are all no-face tags (what they were read as before).
 */
export function noFaceRegions(regions: Region[], wholePhotoFaces: number): boolean[] {
  let faces = wholePhotoFaces;
  return regions.map((r) => {
    const v = regionIsNoFace(r);
    if (v !== null) return v;
    if (faces > 0) {
      faces--;
      return false;
    }
    return true;
  });
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** Pixel box (top-left x/y, width, height; upright image) -> normalised centre-based area. */
export function areaFromBox(box: Box, width: number, height: number): Area {
  if (!(width > 0 && height > 0)) throw new RangeError(`bad image size ${width}x${height}`);
  // A detection may reach past the border: MWG areas lie inside the image.
  const x0 = clamp01(box.x / width);
  const y0 = clamp01(box.y / height);
  const x1 = clamp01((box.x + box.width) / width);
  const y1 = clamp01((box.y + box.height) / height);
  return { x: (x0 + x1) / 2, y: (y0 + y1) / 2, w: x1 - x0, h: y1 - y0 };
}

/** Normalised centre-based area -> pixel box on an upright image of width x height. */
export function boxFromArea(area: Area, width: number, height: number): Box {
  return { x: (area.x - area.w / 2) * width, y: (area.y - area.h / 2) * height, width: area.w * width, height: area.h * height };
}

/**
 * Maps a normalised area on the stored (unrotated) image to the displayed image for EXIF
 * orientation 1..8 (2: mirrored, 3: 180°, 4: flipped, 5: transposed, 6: 90° clockwise,
 * 7: transversed, 8: 90° counter-clockwise).
 */
export function orientArea(a: Area, orientation: number): Area {
  switch (orientation) {
    case 2:
      return { x: 1 - a.x, y: a.y, w: a.w, h: a.h };
    case 3:
      return { x: 1 - a.x, y: 1 - a.y, w: a.w, h: a.h };
    case 4:
      return { x: a.x, y: 1 - a.y, w: a.w, h: a.h };
    case 5:
      return { x: a.y, y: a.x, w: a.h, h: a.w };
    case 6:
      return { x: 1 - a.y, y: a.x, w: a.h, h: a.w };
    case 7:
      return { x: 1 - a.y, y: 1 - a.x, w: a.h, h: a.w };
    case 8:
      return { x: a.y, y: 1 - a.x, w: a.h, h: a.w };
    default:
      return { ...a };
  }
}

/**
 * Regions relative to the upright image. `image` is the upright size and the EXIF orientation of
 * the photo. Regions are MWG-conformant (already upright) unless their AppliedToDimensions equal
 * the stored size of a photo whose orientation swaps width and height (5..8).
 */
export function uprightRegions(info: RegionInfo, image: { width: number; height: number; orientation: number }): Region[] {
  const d = info.dimensions;
  const swaps = image.orientation >= 5 && image.orientation <= 8 && image.width !== image.height;
  if (d && swaps && d.w === image.height && d.h === image.width) {
    return info.regions.map((r) => ({ ...r, area: orientArea(r.area, image.orientation) }));
  }
  return info.regions.map((r) => ({ ...r, area: { ...r.area } }));
}

// ---------------------------------------------------------------------------------------------
// Reading: RDF values in any of XMP's serialisations (attributes, parseType="Resource",
// nested rdf:Description, rdf:Bag/Seq/Alt).

export type RdfValue = string | RdfStruct | RdfValue[];
export type RdfStruct = Map<string, RdfValue>;

const isRdf = (ns: string) => ns === NS.rdf;
const isMetaAttr = (a: { ns: string; qname: string }) => isRdf(a.ns) || a.ns === NS.xmlns || a.ns === NS.xml || a.qname === 'xmlns';

function structFrom(el: XmlElement, into: RdfStruct = new Map()): RdfStruct {
  for (const a of el.attrs) if (!isMetaAttr(a) && a.ns) into.set(a.ns + a.local, a.value);
  for (const c of el.children) into.set(c.ns + c.local, rdfValue(c));
  return into;
}

/** The value of an RDF property element. */
export function rdfValue(el: XmlElement): RdfValue {
  const resource = attr(el, NS.rdf, 'resource');
  if (resource !== undefined) return resource;
  if (attr(el, NS.rdf, 'parseType') === 'Resource') return structFrom(el);
  const kids = el.children;
  if (kids.length === 1 && isRdf(kids[0]!.ns) && ['Bag', 'Seq', 'Alt'].includes(kids[0]!.local)) {
    return kids[0]!.children.filter((li) => isRdf(li.ns) && li.local === 'li').map(rdfValue);
  }
  if (kids.length === 1 && isRdf(kids[0]!.ns) && kids[0]!.local === 'Description') {
    return structFrom(kids[0]!, structFrom({ ...el, children: [] }));
  }
  if (kids.length > 0) return structFrom(el);
  const props = el.attrs.filter((a) => !isMetaAttr(a) && a.ns);
  if (props.length > 0) return structFrom(el);
  return el.text.trim();
}

const field = (s: RdfValue | undefined, ns: string, local: string): RdfValue | undefined => (s instanceof Map ? s.get(ns + local) : undefined);
const text = (v: RdfValue | undefined): string | undefined => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);
const num = (v: RdfValue | undefined): number => {
  const t = text(v);
  return t === undefined || t.trim() === '' ? NaN : Number(t);
};

/** The element of the first mwg-rs:Regions property in a document, if any. */
export function findRegionsElement(root: XmlElement): XmlElement | null {
  return findAll(root, NS.mwgRs, 'Regions')[0] ?? null;
}

/** One region struct (an rdf:li of the RegionList) -> Region; null when its area is unusable. */
export function regionFromValue(v: RdfValue, dims: RegionInfo['dimensions']): Region | null {
  if (!(v instanceof Map)) return null;
  const areaV = field(v, NS.mwgRs, 'Area');
  let area: Area = { x: num(field(areaV, NS.stArea, 'x')), y: num(field(areaV, NS.stArea, 'y')), w: num(field(areaV, NS.stArea, 'w')), h: num(field(areaV, NS.stArea, 'h')) };
  const unit = text(field(areaV, NS.stArea, 'unit')) ?? 'normalized';
  if (unit === 'pixel' && dims) area = { x: area.x / dims.w, y: area.y / dims.h, w: area.w / dims.w, h: area.h / dims.h };
  else if (unit !== 'normalized') return null;
  if (![area.x, area.y, area.w, area.h].every(Number.isFinite) || area.w < 0 || area.h < 0) return null;
  const name = text(field(v, NS.mwgRs, 'Name'));
  const description = text(field(v, NS.mwgRs, 'Description'));
  const region: Region = { name: name && name.trim() !== '' ? name : null, type: text(field(v, NS.mwgRs, 'Type')) ?? '', area };
  if (description) region.description = description;
  const ext = field(v, NS.mwgRs, 'Extensions');
  if (text(field(ext, NS.visage, 'Writer')) === 'Visage') region.visage = true;
  if (region.visage && text(field(ext, NS.visage, 'Drawn')) === 'True') region.drawn = true;
  // Visage's own namespace: honoured whoever kept it (XMP Booleans are "True" / "False").
  const noFace = text(field(ext, NS.visage, 'NoFace'))?.trim().toLowerCase();
  if (noFace === 'true' || noFace === 'false') region.noFace = noFace === 'true';
  const birth = text(field(ext, NS.visage, 'BirthDate'))?.trim();
  if (region.name && birth && ISO_DATE.test(birth) && !Number.isNaN(Date.parse(`${birth}T00:00:00Z`))) region.birthDate = birth;
  return region;
}

/** Parses the MWG regions of an element (from `findRegionsElement`). */
export function regionsFromElement(el: XmlElement): RegionInfo {
  const v = rdfValue(el);
  const dimsV = field(v, NS.mwgRs, 'AppliedToDimensions');
  const w = num(field(dimsV, NS.stDim, 'w'));
  const h = num(field(dimsV, NS.stDim, 'h'));
  const dimensions = w > 0 && h > 0 ? { w, h } : null;
  const list = field(v, NS.mwgRs, 'RegionList');
  const items = Array.isArray(list) ? list : list instanceof Map ? [list] : [];
  return { dimensions, regions: items.map((r) => regionFromValue(r, dimensions)).filter((r): r is Region => r !== null) };
}

/**
 * Microsoft Photo regions (MP:RegionInfo/MPRI:Regions, each MPReg:Rectangle "x, y, w, h": the
 * TOP-LEFT corner and size, normalised, and MPReg:PersonDisplayName), as Windows Photo Gallery
 * and digiKam write them, as centre-based face regions. Null when there are none.
 */
export function microsoftRegions(root: XmlElement): RegionInfo | null {
  const el = findAll(root, NS.mp, 'RegionInfo')[0];
  if (!el) return null;
  const list = field(rdfValue(el), NS.mpri, 'Regions');
  const items = Array.isArray(list) ? list : list instanceof Map ? [list] : [];
  const regions: Region[] = [];
  for (const v of items) {
    const rect = (text(field(v, NS.mpreg, 'Rectangle')) ?? '').split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
    const [x, y, w, h] = rect;
    if (rect.length !== 4 || ![x, y, w, h].every((n) => Number.isFinite(n)) || w! < 0 || h! < 0) continue;
    const name = text(field(v, NS.mpreg, 'PersonDisplayName'));
    regions.push({ name: name && name.trim() !== '' ? name : null, type: 'Face', area: { x: x! + w! / 2, y: y! + h! / 2, w: w!, h: h! } });
  }
  return { dimensions: null, regions };
}

/**
 * The face regions in an XMP packet or sidecar: MWG's when it has them, else Microsoft's; null
 * when it has neither. Throws XmlError on bad XML.
 */
export function parseRegions(xmp: string): RegionInfo | null {
  const root = parseXml(xmp);
  const el = findRegionsElement(root);
  return el ? regionsFromElement(el) : microsoftRegions(root);
}

// ---------------------------------------------------------------------------------------------
// Writing.

export interface Prefixes {
  rdf: string;
  rs: string;
  area: string;
  dim: string;
  vs: string;
}

export const DEFAULT_PREFIXES: Prefixes = { rdf: 'rdf', rs: 'mwg-rs', area: 'stArea', dim: 'stDim', vs: 'visage' };

/** A name as written: one line, trimmed (null when nothing is left). */
export function normaliseName(name: string | null | undefined): string | null {
  const n = (name ?? '').replace(/\s+/g, ' ').trim();
  return n === '' ? null : n;
}

/** Up to 6 decimals (1 µ of the image: far below a pixel), no trailing zeros. */
export function fmt(v: number): string {
  const s = (Math.round(v * 1e6) / 1e6).toFixed(6).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/**
 * The <mwg-rs:Regions> element. `extraItems` are rdf:li elements (source text) carried over
 * verbatim from an existing list (regions of other types, or other tools' faces).
 */
export function regionsXml(
  info: RegionInfo,
  opts: { prefixes?: Prefixes; declarations?: string; indent?: string; extraItems?: string[] } = {},
): string {
  const p = opts.prefixes ?? DEFAULT_PREFIXES;
  const i0 = opts.indent ?? '   ';
  const i1 = `${i0} `;
  const i2 = `${i1} `;
  const i3 = `${i2} `;
  const i4 = `${i3} `;
  const lines: string[] = [];
  lines.push(`${i0}<${p.rs}:Regions${opts.declarations ?? ''} ${p.rdf}:parseType="Resource">`);
  if (info.dimensions) {
    lines.push(`${i1}<${p.rs}:AppliedToDimensions ${p.rdf}:parseType="Resource">`);
    lines.push(`${i2}<${p.dim}:w>${fmt(info.dimensions.w)}</${p.dim}:w>`);
    lines.push(`${i2}<${p.dim}:h>${fmt(info.dimensions.h)}</${p.dim}:h>`);
    lines.push(`${i2}<${p.dim}:unit>pixel</${p.dim}:unit>`);
    lines.push(`${i1}</${p.rs}:AppliedToDimensions>`);
  }
  lines.push(`${i1}<${p.rs}:RegionList>`);
  lines.push(`${i2}<${p.rdf}:Bag>`);
  for (const r of info.regions) {
    lines.push(`${i3}<${p.rdf}:li ${p.rdf}:parseType="Resource">`);
    const name = normaliseName(r.name);
    if (name !== null) lines.push(`${i4}<${p.rs}:Name>${escapeXml(name)}</${p.rs}:Name>`);
    lines.push(`${i4}<${p.rs}:Type>${escapeXml(r.type || 'Face')}</${p.rs}:Type>`);
    if (r.description) lines.push(`${i4}<${p.rs}:Description>${escapeXml(r.description)}</${p.rs}:Description>`);
    lines.push(`${i4}<${p.rs}:Area ${p.rdf}:parseType="Resource">`);
    lines.push(`${i4} <${p.area}:x>${fmt(r.area.x)}</${p.area}:x>`);
    lines.push(`${i4} <${p.area}:y>${fmt(r.area.y)}</${p.area}:y>`);
    lines.push(`${i4} <${p.area}:w>${fmt(r.area.w)}</${p.area}:w>`);
    lines.push(`${i4} <${p.area}:h>${fmt(r.area.h)}</${p.area}:h>`);
    lines.push(`${i4} <${p.area}:unit>normalized</${p.area}:unit>`);
    lines.push(`${i4}</${p.rs}:Area>`);
    lines.push(`${i4}<${p.rs}:Extensions ${p.rdf}:parseType="Resource">`);
    lines.push(`${i4} <${p.vs}:Writer>Visage</${p.vs}:Writer>`);
    if (r.drawn) lines.push(`${i4} <${p.vs}:Drawn>True</${p.vs}:Drawn>`);
    // Every region says whether it is a face: a close-up face covers the whole photo too.
    lines.push(`${i4} <${p.vs}:NoFace>${r.noFace === true ? 'True' : 'False'}</${p.vs}:NoFace>`);
    if (name !== null && r.birthDate && ISO_DATE.test(r.birthDate)) lines.push(`${i4} <${p.vs}:BirthDate>${r.birthDate}</${p.vs}:BirthDate>`);
    lines.push(`${i4}</${p.rs}:Extensions>`);
    lines.push(`${i3}</${p.rdf}:li>`);
  }
  for (const item of opts.extraItems ?? []) lines.push(`${i3}${item.trim()}`);
  lines.push(`${i2}</${p.rdf}:Bag>`);
  lines.push(`${i1}</${p.rs}:RegionList>`);
  lines.push(`${i0}</${p.rs}:Regions>`);
  return lines.join('\n');
}

/** Intersection over union of two areas (for matching a face to another tool's region). */
export function areaIou(a: Area, b: Area): number {
  const ix = Math.max(0, Math.min(a.x + a.w / 2, b.x + b.w / 2) - Math.max(a.x - a.w / 2, b.x - b.w / 2));
  const iy = Math.max(0, Math.min(a.y + a.h / 2, b.y + b.h / 2) - Math.max(a.y - a.h / 2, b.y - b.h / 2));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}
