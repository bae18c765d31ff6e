/**
 * XMP sidecars: reading and writing face regions beside a photo.
 *
 * Naming: digiKam (and Exiv2-based tools) use `photo.jpg.xmp`; Lightroom, darktable (for RAW),
 * Capture One and Bridge use `photo.xmp`. Both are read (`photo.jpg.xmp` first). Writing goes to
 * the sidecar that already exists, else creates `photo.jpg.xmp` (digiKam's naming, which cannot
 * collide with the RAW of a RAW+JPEG pair). `photo.xmp` is only written to when it exists and no
 * other file shares its stem (in a RAW+JPEG pair it belongs to the RAW).
 *
 * Merging: an existing sidecar is edited in place. Only its mwg-rs:Regions element is replaced;
 * every other byte (other namespaces, ratings, keywords, develop settings, comments, the xpacket
 * wrapper) is kept as it was. Inside the region list, regions that are not faces (Focus, Pet,
 * BarCode) are carried over verbatim; other tools' face regions are carried over too unless a
 * Visage face covers them (same face, IoU >= 0.3), with `replaceAllFaces` to drop them instead.
 * Faces Visage wrote earlier (marked `<mwg-rs:Extensions><visage:Writer>Visage`, which MWG
 * readers ignore) are always replaced, so a face removed in Visage leaves the sidecar too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../platform/atomic-file';
import {
  DEFAULT_PREFIXES,
  areaIou,
  isWholePhoto,
  findRegionsElement,
  parseRegions,
  regionFromValue,
  regionIsNoFace,
  regionsFromElement,
  regionsXml,
  rdfValue,
  type Prefixes,
  type Region,
  type RegionInfo,
} from './regions';
import { NS, XmlError, findAll, parseXml, prefixFor, type XmlElement } from './xml';

export class XmpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmpError';
  }
}

/** The sidecar names a photo can have, in reading order: photo.jpg.xmp, then photo.xmp. */
export function sidecarCandidates(photoPath: string): string[] {
  const dir = path.dirname(photoPath);
  const base = path.basename(photoPath);
  const stem = base.slice(0, base.length - path.extname(base).length);
  const out = [path.join(dir, `${base}.xmp`), path.join(dir, `${base}.XMP`)];
  if (stem) out.push(path.join(dir, `${stem}.xmp`), path.join(dir, `${stem}.XMP`));
  return out;
}

/** The first existing sidecar of a photo (exact-case match on case-sensitive file systems). */
export function findSidecar(photoPath: string): string | null {
  const dir = path.dirname(photoPath);
  let names: Set<string>;
  try {
    names = new Set(fs.readdirSync(dir));
  } catch {
    return null;
  }
  return sidecarCandidates(photoPath).find((c) => names.has(path.basename(c))) ?? null;
}

/** Where regions of this photo are written (see the file comment). */
export function sidecarForWriting(photoPath: string): string {
  const base = path.basename(photoPath);
  const digikam = path.join(path.dirname(photoPath), `${base}.xmp`);
  const existing = findSidecar(photoPath);
  if (!existing || path.basename(existing).toLowerCase() === `${base}.xmp`.toLowerCase()) return existing ?? digikam;
  // photo.xmp exists: use it only when it is not shared with another file of the same stem.
  const stem = base.slice(0, base.length - path.extname(base).length);
  const siblings = fs
    .readdirSync(path.dirname(photoPath))
    .filter((n) => n !== base && !/\.xmp$/i.test(n) && n.slice(0, n.length - path.extname(n).length) === stem);
  return siblings.length === 0 ? existing : digikam;
}

export interface ReadResult extends RegionInfo {
  source: string;
}

/** Regions from the photo's sidecar (null: no sidecar, or a sidecar without regions). */
export function readSidecarRegions(photoPath: string): ReadResult | null {
  const file = findSidecar(photoPath);
  if (!file) return null;
  const info = parseRegions(fs.readFileSync(file, 'utf8'));
  return info ? { ...info, source: file } : null;
}

export interface MergeOptions {
  /** Drop every face region already in the file instead of keeping those Visage does not cover. */
  replaceAllFaces?: boolean;
  /** x:xmptk written into a new packet. */
  toolkit?: string;
}

const DEFAULT_NS: Record<keyof Prefixes, string> = { rdf: NS.rdf, rs: NS.mwgRs, area: NS.stArea, dim: NS.stDim, vs: NS.visage };

/** A new, complete XMP packet holding only the regions. */
export function newXmpPacket(info: RegionInfo, toolkit = 'Visage'): string {
  const p = DEFAULT_PREFIXES;
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    `<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="${toolkit}">`,
    ` <rdf:RDF xmlns:rdf="${NS.rdf}">`,
    `  <rdf:Description rdf:about=""`,
    `    xmlns:${p.rs}="${NS.mwgRs}"`,
    `    xmlns:${p.dim}="${NS.stDim}"`,
    `    xmlns:${p.area}="${NS.stArea}"`,
    `    xmlns:${p.vs}="${NS.visage}">`,
    regionsXml(info, { indent: '   ' }),
    '  </rdf:Description>',
    ' </rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
    '',
  ].join('\n');
}

function lineIndent(src: string, at: number): string {
  const nl = src.lastIndexOf('\n', at - 1);
  const m = /^[ \t]*/.exec(src.slice(nl + 1, at));
  return m ? m[0] : '';
}

/** Start of the removal range: swallow the indentation and newline before an element. */
function trimmedStart(src: string, start: number): number {
  let s = start;
  while (s > 0 && (src[s - 1] === ' ' || src[s - 1] === '\t')) s--;
  if (s > 0 && src[s - 1] === '\n') {
    s--;
    if (s > 0 && src[s - 1] === '\r') s--;
  }
  return s;
}

/**
 * Writes `info`'s regions into an XMP document (a sidecar's text, or null for a new one) and
 * returns the new text. See the file comment for what is kept. An info with no regions removes the
 * Visage faces (keeping other regions); when nothing is left the Regions element is removed.
 */
export function mergeRegionsIntoXmp(existing: string | null, info: RegionInfo, opts: MergeOptions = {}): string {
  if (existing === null || existing.trim() === '') return newXmpPacket(info, opts.toolkit);
  let root: XmlElement;
  try {
    root = parseXml(existing);
  } catch (e) {
    throw new XmpError(`the existing XMP is not well-formed XML, left untouched: ${(e as XmlError).message}`);
  }
  const rdfRoot = findAll(root, NS.rdf, 'RDF')[0];
  if (!rdfRoot) throw new XmpError('the existing file has no rdf:RDF element: not XMP, left untouched');

  const oldRegions = findAll(root, NS.mwgRs, 'Regions');
  const host =
    (oldRegions[0]?.parent && oldRegions[0].parent.ns === NS.rdf && oldRegions[0].parent.local === 'Description' ? oldRegions[0].parent : null) ??
    rdfRoot.children.find((c) => c.ns === NS.rdf && c.local === 'Description') ??
    null;

  // Items of the old list that stay: non-face regions, and faces no Visage face covers.
  const kept: string[] = [];
  const carriedDecls = new Map<string, string>();
  // A Visage face covers another tool's face it overlaps (a close-up face over the whole photo
  // too); a person without a face (Visage's noFace region, another tool's whole-photo region)
  // covers and is covered only by a whole-photo region of the same name.
  const covers = (mine: Region, theirs: Region) => {
    const theirsNoFace = regionIsNoFace(theirs) !== false;
    return mine.noFace === true || theirsNoFace
      ? isWholePhoto(mine.area) && theirsNoFace && (mine.name ?? '').toLowerCase() === (theirs.name ?? '').toLowerCase()
      : areaIou(mine.area, theirs.area) >= 0.3;
  };
  const old = findRegionsElement(root);
  if (old) {
    const { dimensions } = regionsFromElement(old);
    const list = findAll(old, NS.mwgRs, 'RegionList')[0];
    const bag = list?.children.find((c) => c.ns === NS.rdf && ['Bag', 'Seq', 'Alt'].includes(c.local));
    const items = bag ? bag.children.filter((c) => c.ns === NS.rdf && c.local === 'li') : [];
    for (const li of items) {
      const v = rdfValue(li);
      const type = v instanceof Map ? v.get(`${NS.mwgRs}Type`) : undefined;
      const isFace = typeof type !== 'string' || type === '' || type === 'Face';
      if (isFace) {
        if (opts.replaceAllFaces) continue;
        // A face Visage wrote before is replaced; another tool's is kept unless a Visage face covers it.
        const region = regionFromValue(v, dimensions);
        if (!region || region.visage || info.regions.some((r) => covers(r, region))) continue;
      }
      kept.push(existing.slice(li.start, li.end));
    }
    // Namespace declarations on the old Regions / RegionList / Bag must travel with the kept items.
    for (const el of [old, list, bag]) {
      for (const a of el?.attrs ?? []) if (a.qname.startsWith('xmlns:')) carriedDecls.set(a.qname.slice(6), a.value);
    }
  }

  const edits: { start: number; end: number; text: string }[] = [];
  for (const r of oldRegions) {
    // Only top-level Regions properties (nested ones went with their parent).
    if (oldRegions.some((o) => o !== r && o.start < r.start && r.end <= o.end)) continue;
    edits.push({ start: trimmedStart(existing, r.start), end: r.end, text: '' });
  }

  const toWrite: RegionInfo = { dimensions: info.dimensions, regions: info.regions };
  if (toWrite.regions.length > 0 || kept.length > 0) {
    const scopeEl = host ?? rdfRoot;
    const prefixes = { ...DEFAULT_PREFIXES };
    const decls: string[] = [];
    const taken = new Map(scopeEl.scope);
    for (const [p, u] of carriedDecls) taken.set(p, u);
    for (const key of Object.keys(DEFAULT_NS) as (keyof Prefixes)[]) {
      const uri = DEFAULT_NS[key];
      const bound = key === 'rdf' ? prefixFor(scopeEl, uri) : [...taken].find(([p, u]) => u === uri && p !== '')?.[0];
      if (bound) {
        prefixes[key] = bound;
        continue;
      }
      let name = DEFAULT_PREFIXES[key];
      for (let n = 1; taken.has(name) && taken.get(name) !== uri; n++) name = `${DEFAULT_PREFIXES[key]}${n}`;
      prefixes[key] = name;
      taken.set(name, uri);
      decls.push(` xmlns:${name}="${uri}"`);
    }
    for (const [p, u] of carriedDecls) if (scopeEl.scope.get(p) !== u && !decls.some((d) => d.startsWith(` xmlns:${p}=`))) decls.push(` xmlns:${p}="${u}"`);

    // Namespace declarations go where XMP writers put them: on the rdf:Description start tag.
    const declText = decls.join('');
    if (host) {
      const indent = `${lineIndent(existing, host.start)} `;
      const body = regionsXml(toWrite, { prefixes, indent, extraItems: kept });
      if (host.selfClosing) {
        // <rdf:Description .../>  ->  <rdf:Description ...> regions </rdf:Description>
        edits.push({ start: host.startTagEnd - 2, end: host.startTagEnd, text: `${declText}>\n${body}\n${lineIndent(existing, host.start)}</${host.qname}>` });
      } else {
        if (declText) edits.push({ start: host.startTagEnd - 1, end: host.startTagEnd - 1, text: declText });
        const closeAt = existing.lastIndexOf(`</${host.qname}`, host.end);
        const before = trimmedStart(existing, closeAt);
        edits.push({ start: before, end: before, text: `\n${body}` });
      }
    } else {
      const indent = `${lineIndent(existing, rdfRoot.start)} `;
      const rdfP = prefixFor(rdfRoot, NS.rdf)!;
      const body = regionsXml(toWrite, { prefixes, indent: `${indent} `, extraItems: kept });
      const desc = `\n${indent}<${rdfP}:Description ${rdfP}:about=""${declText}>\n${body}\n${indent}</${rdfP}:Description>`;
      if (rdfRoot.selfClosing) {
        edits.push({ start: rdfRoot.startTagEnd - 2, end: rdfRoot.startTagEnd, text: `>${desc}\n${lineIndent(existing, rdfRoot.start)}</${rdfRoot.qname}>` });
      } else {
        const closeAt = existing.lastIndexOf(`</${rdfRoot.qname}`, rdfRoot.end);
        const before = trimmedStart(existing, closeAt);
        edits.push({ start: before, end: before, text: desc });
      }
    }
  }

  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = existing;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  // The result must still be well-formed and hold exactly what was meant.
  const check = parseRegions(out);
  const expected = toWrite.regions.length + kept.length;
  if ((check?.regions.length ?? 0) > expected || (expected > 0 && !check)) throw new XmpError('internal error: the merged XMP does not read back');
  return out;
}

/** Writes the regions into the photo's sidecar (merging) and returns the sidecar's path. */
export function writeSidecarRegions(photoPath: string, info: RegionInfo, opts: MergeOptions & { sidecarPath?: string } = {}): string {
  const file = opts.sidecarPath ?? sidecarForWriting(photoPath);
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  const text = mergeRegionsIntoXmp(existing, info, opts);
  if (text === existing) return file;
  // Atomic replace: a crash leaves the old sidecar or the new one, never half of one.
  writeFileAtomic(file, text, existing !== null ? { mode: fs.statSync(file).mode & 0o777 } : {});
  return file;
}
