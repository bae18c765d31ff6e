#!/usr/bin/env node
'use strict';
/**
 * The standard speed input: `node scripts/make-camera-set.js OUT [--src DIR]` writes a 12 MP copy
 * of every photo of the shared group photos (DIR, default ../shared/datasets/group-photos/_group,
 * 46 photos) into OUT, as a camera would save it: 4000x3000 (3000x4000 for portrait photos) JPEG
 * at quality 90, 4:2:0, no metadata. Not committed; regenerate it on demand (about 20 s).
 *
 * How: EXIF orientation applied, then the photo is scaled (up, Lanczos 3) to fit inside the frame
 * keeping its aspect, and the rest of the frame padded with mid grey. Padding rather than cropping
 * (fit 'cover'): every face of the original is still in the photo, so face counts compare with
 * the originals' and detection is not given cut faces. The pixels are upscaled, so the photos are
 * smoother than a real camera's (smaller files; the JPEG decoder's entropy stage has less to do),
 * but they are 12 MP to decode, detect on and make thumbnails from, which is what the speed
 * benchmarks measure.
 *
 * When the source folder's parent holds annotations.json (the group photos' does), OUT gets an
 * annotations.json with every box and nose point mapped into the 12 MP frame (scaled and shifted
 * as the photo was), so `visage eval-detect --data OUT` measures detection on the 12 MP copies.
 *
 * Deterministic: the same sharp/libvips gives the same bytes on every run; the script prints one
 * SHA-256 over all files (name and bytes) to check it.
 */
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');

/** The frame: a 12 MP 4:3 camera. */
const LONG_SIDE = 4000;
const SHORT_SIDE = 3000;
const QUALITY = 90;
const PAD = { r: 128, g: 128, b: 128 };

async function main() {
  const args = process.argv.slice(2);
  let src = path.join(__dirname, '..', '..', 'shared', 'datasets', 'group-photos', '_group');
  const si = args.indexOf('--src');
  if (si >= 0) {
    src = args[si + 1];
    args.splice(si, 2);
  }
  const out = args[0];
  if (!out || args.length !== 1 || !src) throw new Error('usage: node scripts/make-camera-set.js OUT [--src DIR]');
  if (!fs.existsSync(src)) throw new Error(`no photos at ${src} (see ../shared/datasets/README)`);
  fs.mkdirSync(out, { recursive: true });
  const files = fs.readdirSync(src).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  const all = createHash('sha256');
  let bytes = 0;
  /** name -> how the photo was placed in the frame: new = old * scale + offset. */
  const placed = new Map();
  for (const f of files) {
    const input = sharp(path.join(src, f), { failOn: 'none' }).rotate();
    const { data, info } = await input.raw().toBuffer({ resolveWithObject: true });
    const portrait = info.height > info.width;
    const width = portrait ? SHORT_SIDE : LONG_SIDE;
    const height = portrait ? LONG_SIDE : SHORT_SIDE;
    const jpeg = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
      .removeAlpha()
      .resize({ width, height, fit: 'contain', background: PAD, kernel: 'lanczos3' })
      .jpeg({ quality: QUALITY, chromaSubsampling: '4:2:0', mozjpeg: false })
      .toBuffer();
    const name = f.replace(/\.(png|jpeg)$/i, '.jpg');
    // fit 'contain' centres the resized photo (libvips rounds the size, then halves the rest).
    const scale = Math.min(width / info.width, height / info.height);
    const rw = Math.round(info.width * scale), rh = Math.round(info.height * scale);
    placed.set(f, { name, sx: rw / info.width, sy: rh / info.height, dx: Math.floor((width - rw) / 2), dy: Math.floor((height - rh) / 2) });
    fs.writeFileSync(path.join(out, name), jpeg);
    all.update(name).update(jpeg);
    bytes += jpeg.length;
  }
  const annFile = path.join(src, '..', 'annotations.json');
  if (fs.existsSync(annFile)) fs.writeFileSync(path.join(out, 'annotations.json'), JSON.stringify(mapAnnotations(JSON.parse(fs.readFileSync(annFile, 'utf8')), placed)));
  process.stdout.write(
    `make-camera-set: ${files.length} photos, ${LONG_SIDE}x${SHORT_SIDE} q${QUALITY}, ${(bytes / 2 ** 20).toFixed(1)} MiB in ${out}; sha256 ${all.digest('hex')}\n`,
  );
}

/** The group photos' annotations (dlib boxes, CompreFace noses) in the 12 MP frames' pixels. */
function mapAnnotations(ann, placed) {
  const out = { dlib_boxes_ltwh: {}, compreface_noses: {} };
  for (const [f, a] of Object.entries(ann.dlib_boxes_ltwh ?? {})) {
    const p = placed.get(f);
    if (!p) continue;
    out.dlib_boxes_ltwh[p.name] = {
      boxes: a.boxes.map((b) => ({ left: b.left * p.sx + p.dx, top: b.top * p.sy + p.dy, width: b.width * p.sx, height: b.height * p.sy })),
    };
  }
  for (const [f, a] of Object.entries(ann.compreface_noses ?? {})) {
    const p = placed.get(f);
    if (!p) continue;
    out.compreface_noses[p.name] = { ...a, nose_points_xy: a.nose_points_xy.map(([x, y]) => [x * p.sx + p.dx, y * p.sy + p.dy]) };
  }
  return out;
}

main().catch((e) => {
  process.stderr.write(`make-camera-set: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
