/**
 * Bad input never stops a scan: a corpus of broken, hostile and odd files, built here in a temp
 * folder, scanned with the real face engine. Each gets its own recorded error code; the good photos
 * beside them are indexed with their faces.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineAnalyzer } from '../../app/library/pipeline-analyzer';
import { Scanner, type FileError } from '../../app/library/scanner';
import type { Analyzer } from '../../app/library/analyzer';
import { Store } from '../../app/store/store';
import { assertBuilt, GROUP, HEIC_B64, johnImages, runCli, tempDir } from './scan-helpers';
import { pngBomb } from '../helpers/png-bomb';


/** A PNG whose header claims width x height (a few hundred bytes on disk). */
const pngClaiming = (width: number, height: number) => pngBomb(width, height);
/** A real JPEG whose SOF header is patched to claim 65000 x 65000 pixels. */
function jpegClaimingHuge(real: Buffer): Buffer {
  const b = Buffer.from(real);
  for (let i = 2; i + 9 < b.length; ) {
    const marker = b[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      b.writeUInt16BE(65000, i + 5);
      b.writeUInt16BE(65000, i + 7);
      return b;
    }
    i += 2 + b.readUInt16BE(i + 2);
  }
  throw new Error('no SOF marker');
}

/** Expected error code per bad file (path relative to the library). */
const EXPECTED: Record<string, string> = {
  'empty.jpg': 'empty-file',
  'truncated.jpg': 'truncated',
  'truncated.png': 'truncated',
  'truncated.webp': 'truncated',
  'corrupt-structure.jpg': 'corrupt',
  'random-bytes.jpg': 'not-an-image',
  'text.png': 'not-an-image',
  'document-named.jpeg': 'not-an-image',
  'bomb.png': 'too-large',
  'bomb.jpg': 'too-large',
  'huge-file.tif': 'too-large',
  'zero-size-header.png': 'decode-failed',
  'garbage.heic': 'decode-failed',
  'garbage.tiff': 'decode-failed',
  'garbage.avif': 'decode-failed',
  'header-only.gif': 'decode-failed',
  'dangling-link.jpg': 'dangling-symlink',
  'self-link.jpg': 'symlink-loop',
  'fifo.jpg': 'not-a-file',
  'vanishing.jpg': 'vanished',
};

describe('scan: bad files', () => {
  let lib: string;
  let store: Store;
  let analyzer: Analyzer;
  const events: FileError[] = [];
  let summary: Awaited<ReturnType<Scanner['scan']>>;
  let unreadableTarget: string | null = null;

  beforeAll(async () => {
    lib = tempDir('bad');
    const face = fs.readFileSync(johnImages(1)[0]!);
    const group = fs.readFileSync(path.join(GROUP, 'face_recognition__two_people.jpg'));
    const w = (name: string, data: Buffer | string) => fs.writeFileSync(path.join(lib, name), data);

    // Good files, including odd-but-fine ones.
    w('good-face.jpg', face);
    w('good-group.jpg', group);
    w('png-named.jpg', await sharp(face).png().toBuffer()); // wrong extension, valid image
    w('tiny.gif', await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } }).gif().toBuffer());
    w('iphone.heic', Buffer.from(HEIC_B64, 'base64'));
    fs.mkdirSync(path.join(lib, 'folder-named.jpg')); // a directory with a photo name is walked into
    w('folder-named.jpg/inside.jpg', face);
    w('trailing-data.jpg', Buffer.concat([face, Buffer.from('ftypmp42 motion photo video after EOI')]));

    // Bad files.
    w('empty.jpg', Buffer.alloc(0));
    w('truncated.jpg', group.subarray(0, Math.floor(group.length * 0.6)));
    const png = await sharp(face).png().toBuffer();
    w('truncated.png', png.subarray(0, Math.floor(png.length / 2)));
    const webp = await sharp(face).webp().toBuffer();
    w('truncated.webp', webp.subarray(0, Math.floor(webp.length / 2)));
    w('corrupt-structure.jpg', Buffer.concat([face.subarray(0, 20), Buffer.alloc(400, 0x5a), Buffer.from([0xff, 0xd9])]));
    w('random-bytes.jpg', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
    w('text.png', 'this is not a picture\n');
    w('document-named.jpeg', '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n');
    w('bomb.png', pngClaiming(60000, 60000));
    w('bomb.jpg', jpegClaimingHuge(face));
    fs.writeFileSync(path.join(lib, 'huge-file.tif'), '');
    fs.truncateSync(path.join(lib, 'huge-file.tif'), 3 * 1024 * 1024); // sparse; over the 2 MiB test limit
    w('zero-size-header.png', pngClaiming(0, 0));
    w('garbage.heic', Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic'), Buffer.alloc(300, 7)]));
    w('garbage.tiff', Buffer.concat([Buffer.from('II*\0'), Buffer.alloc(200, 0xee)]));
    w('garbage.avif', Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from('ftypavif\0\0\0\0avif'), Buffer.alloc(300, 3)]));
    w('header-only.gif', 'GIF89a\x10\x00');
    fs.symlinkSync(path.join(lib, 'no-such-file.jpg'), path.join(lib, 'dangling-link.jpg'));
    fs.symlinkSync(path.join(lib, 'self-link.jpg'), path.join(lib, 'self-link.jpg'));
    execFileSync('mkfifo', [path.join(lib, 'fifo.jpg')]);
    fs.mkdirSync(path.join(lib, 'loop'));
    fs.symlinkSync('..', path.join(lib, 'loop', 'back-to-parent'));
    w('vanishing.jpg', face);
    // Hidden and system folders are not walked at all.
    fs.mkdirSync(path.join(lib, '.hidden'));
    w('.hidden/secret.jpg', face);
    fs.mkdirSync(path.join(lib, '@eaDir'));
    w('@eaDir/nas-thumb.jpg', face);
    w('notes.txt', 'not a photo extension: ignored');
    // Unreadable even for root: a write-only kernel attribute behind a photo name.
    if (process.getuid?.() !== 0) {
      w('unreadable.jpg', face);
      fs.chmodSync(path.join(lib, 'unreadable.jpg'), 0o000);
      unreadableTarget = 'chmod';
    } else {
      for (const t of ['/sys/bus/pci/rescan', '/sys/kernel/uevent_helper_nonexistent']) {
        try {
          fs.accessSync(t, fs.constants.F_OK);
          fs.symlinkSync(t, path.join(lib, 'unreadable.jpg'));
          unreadableTarget = t;
          break;
        } catch {
          /* try the next */
        }
      }
    }

    const db = path.join(tempDir('bad-db'), 'v.db');
    store = Store.open(db);
    const engine = await createPipelineAnalyzer();
    const readBuffer = engine.analyzeBuffer?.bind(engine);
    if (!readBuffer) throw new Error('the pipeline analyzer reads buffers');
    // Deletes vanishing.jpg while the first photo is being analysed: found by the walk, gone when its turn comes.
    analyzer = {
      embedderId: engine.embedderId,
      analyzeFile: (p) => engine.analyzeFile(p),
      analyzeBuffer: (b) => {
        fs.rmSync(path.join(lib, 'vanishing.jpg'), { force: true });
        return readBuffer(b);
      },
      close: () => engine.close!(),
    };
    const scanner = new Scanner({ store, analyzer, concurrency: 1, maxFileBytes: 2 * 1024 * 1024, thumbnails: null });
    scanner.on('file-error', (e: FileError) => events.push(e));
    summary = await scanner.scan([lib]);
  });

  afterAll(async () => {
    await analyzer?.close?.();
    store?.close();
  });

  it('records one error per bad file, with the right code, and finishes', () => {
    if (process.env.SHOW_ERRORS) console.log(store.errors.all().map((e) => `${e.code}  ${path.relative(lib, e.path)}  ${e.message}`).join('\n'));
    expect(summary.phase).toBe('done');
    const errors = Object.fromEntries(store.errors.all().map((e) => [path.relative(lib, e.path), e.code]));
    for (const [file, code] of Object.entries(EXPECTED)) expect({ file, code: errors[file] }).toEqual({ file, code });
    expect(errors['loop/back-to-parent']).toBe('symlink-loop');
    if (unreadableTarget) expect(errors['unreadable.jpg']).toBe('unreadable');
    const kinds = Object.keys(EXPECTED).length + 1 + (unreadableTarget ? 1 : 0);
    expect(kinds).toBeGreaterThanOrEqual(15);
    expect(Object.keys(errors).length).toBe(kinds);
    expect(events.length).toBe(kinds);
    expect(summary.errors).toBe(kinds);
    for (const e of store.errors.all()) expect(e.message.length).toBeGreaterThan(3);
  });

  it('indexes the good photos beside them, with faces', () => {
    const photos = Object.fromEntries(store.photos.all().map((p) => [path.relative(lib, p.path), p]));
    expect(Object.keys(photos).sort()).toEqual(
      ['folder-named.jpg/inside.jpg', 'good-face.jpg', 'good-group.jpg', 'iphone.heic', 'png-named.jpg', 'tiny.gif', 'trailing-data.jpg'].sort(),
    );
    const faces = (p: string) => store.faces.byPhoto(photos[p]!.id);
    expect(faces('good-face.jpg').length).toBe(1);
    expect(faces('png-named.jpg').length).toBe(1);
    expect(photos['png-named.jpg']!.format).toBe('png');
    expect(faces('good-group.jpg').length).toBeGreaterThanOrEqual(2);
    expect(faces('tiny.gif').length).toBe(0);
    expect(photos['iphone.heic']).toMatchObject({ format: 'heic', width: 96, height: 64 });
    for (const f of store.faces.all()) expect(f.embedding.length).toBe(128);
  });

  it('lists the errors through `visage errors --json`', () => {
    assertBuilt();
    const r = runCli(['errors', '--db', store.file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { count: number; errors: { path: string; code: string }[] };
    expect(out.count).toBe(store.errors.all().length);
    expect(out.errors.find((e) => e.path.endsWith('bomb.png'))?.code).toBe('too-large');
  });
});
