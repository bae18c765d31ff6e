#!/usr/bin/env node
'use strict';
/**
 * The fused embedding's study (issue 17), in three steps over libraries already scanned with dlib
 * (e.g. `npm run eval:people -- --cache DIR --sets pins-celebs,sports-celebs,vn-celebs,lfw-dev`):
 *
 *   node scripts/fused-study.js vectors --from DIR --out CACHE [--sets a,b]
 *     every stored face of every set: the dlib chip and the ArcFace chip from its stored 68
 *     landmarks, both networks, plain and mirrored -> CACHE/<set>.f32 (4 unit vectors a face:
 *     dlib, dlib mirrored, mfn, mfn mirrored; 640 floats) and CACHE/<set>.json (face ids, photo
 *     ids, identity, part, faces in the photo). The one heavy pass.
 *   node scripts/fused-study.js choose --cache CACHE [--write FILE]
 *     on the TUNING part only (lfw-dev folds 1-3, the tuning identities of people-wild:
 *     app/eval/cluster-parts.ts): for each weight w and mirror choice per part, fits the PCA
 *     256 -> 128 on the tuning faces (app/faces/models/build/pca.ts), quantises as the registry
 *     says, and scores TAR at FAR 1e-3 over all pairs of the one-face photos of each set's tuning
 *     part; prints the table; --write FILE writes the chosen configuration's projection (VPRJ).
 *   node scripts/fused-study.js write-dbs --from DIR --cache CACHE --model ID --to DIR2
 *     copies each set's library to DIR2 and replaces every face's 128 bytes by model ID's
 *     (fused-dlib-mfn-128 with the projection in models/, or mobilefacenet-192), computed from the
 *     cached vectors exactly as the embedder does; then `eval-clusters --no-scan` evaluates it.
 *     Faces, landmarks and quality scores are the dlib scan's (the same detector and landmarks).
 * Needs `npx tsc -p tsconfig.json` (dist/) and the built models.
 */
const fs = require('node:fs');
const path = require('node:path');
const Database = require('better-sqlite3');

const dist = path.join(__dirname, '..', 'dist', 'app');
const req = (p) => require(path.join(dist, p));
const DATA = path.join(__dirname, '..', '..', 'shared', 'datasets');
const SET_DIRS = { 'pins-celebs': 'people-wild/pins-celebs', 'sports-celebs': 'people-wild/sports-celebs', 'vn-celebs': 'people-wild/vn-celebs', 'lfw-dev': 'lfw-dev/images' };
const WILD = ['pins-celebs', 'sports-celebs', 'vn-celebs'];
const FAR = 1e-3;
/** int8 scale used while choosing (the registry's quantScale for the fused model). */
const QUANT = 0.75;
const DIM = 640; // dlib 128, dlib mirrored 128, mfn 192, mfn mirrored 192

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const setsArg = () => arg('sets', Object.keys(SET_DIRS).join(',')).split(',');

async function vectors() {
  const from = arg('from'), out = arg('out');
  fs.mkdirSync(out, { recursive: true });
  const { createSession } = req('faces/onnx-session.js');
  const { Embedder } = req('faces/embed.js');
  const { alignFace, mirrorChip } = req('faces/align.js');
  const { decodePhoto } = req('faces/image.js');
  const { EMBEDDER_DLIB, EMBEDDER_MOBILEFACENET } = req('faces/models/registry.js');
  const { modelsDir } = req('faces/models/paths.js');
  const { treeParts } = req('eval/cluster-parts.js');
  const dir = modelsDir();
  const nets = [];
  for (const m of [EMBEDDER_DLIB, EMBEDDER_MOBILEFACENET]) {
    const s = await createSession(path.join(dir, m.file), { provider: 'cpu' });
    nets.push(new Embedder(s.session, m, dir, { batchSize: 8, flip: false }));
  }
  for (const set of setsArg()) {
    const root = path.join(DATA, SET_DIRS[set]);
    const { parts } = treeParts(root);
    const db = new Database(path.join(from, `${set}.db`), { readonly: true });
    const rows = db.prepare('SELECT f.id AS face, p.id AS photo, p.path, f.landmarks FROM faces f JOIN photos p ON p.id = f.photo_id ORDER BY p.id, f.id').all();
    db.close();
    const byPhoto = new Map();
    for (const r of rows) (byPhoto.get(r.photo) ?? byPhoto.set(r.photo, { path: r.path, faces: [] }).get(r.photo)).faces.push(r);
    const meta = { set, faces: [] };
    const buf = new Float32Array(rows.length * DIM);
    let k = 0, done = 0;
    const t0 = Date.now();
    for (const [photoId, ph] of byPhoto) {
      const identity = path.relative(root, ph.path).split(path.sep)[0];
      let decoded;
      try {
        decoded = await decodePhoto(ph.path);
      } catch (e) {
        process.stderr.write(`skip ${ph.path}: ${e.message}\n`);
        continue;
      }
      const lms = ph.faces.map((f) => JSON.parse(f.landmarks).map(([x, y]) => [x * decoded.scale, y * decoded.scale]));
      const got = [];
      for (const net of nets) {
        const chips = lms.map((l) => alignFace(decoded.image, l, net.model).pixels);
        const all = [...chips, ...chips.map((c) => mirrorChip(c, net.model.inputSize))];
        got.push(await net.unitFloat(all));
      }
      ph.faces.forEach((f, i) => {
        const n = ph.faces.length;
        const v = [got[0][i], got[0][n + i], got[1][i], got[1][n + i]];
        let o = k * DIM;
        for (const x of v) {
          buf.set(x, o);
          o += x.length;
        }
        meta.faces.push({ face: f.face, photo: photoId, identity, part: parts.get(identity) ?? null, inPhoto: n });
        k++;
      });
      if (++done % 200 === 0) process.stderr.write(`${set}: ${done}/${byPhoto.size} photos, ${((Date.now() - t0) / done).toFixed(0)} ms a photo\n`);
    }
    fs.writeFileSync(path.join(out, `${set}.f32`), Buffer.from(buf.buffer, 0, k * DIM * 4));
    fs.writeFileSync(path.join(out, `${set}.json`), JSON.stringify(meta));
    process.stderr.write(`${set}: ${k} faces of ${byPhoto.size} photos in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
}

function load(cache, set) {
  const meta = JSON.parse(fs.readFileSync(path.join(cache, `${set}.json`), 'utf8'));
  const b = fs.readFileSync(path.join(cache, `${set}.f32`));
  const all = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  return meta.faces.map((m, i) => {
    const v = all.subarray(i * DIM, (i + 1) * DIM);
    return { ...m, dlib: v.subarray(0, 128), dlibM: v.subarray(128, 256), mfn: v.subarray(256, 448), mfnM: v.subarray(448, 640) };
  });
}

function unitMean(a, b) {
  const s = new Float32Array(a.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    s[i] = a[i] + b[i];
    n += s[i] * s[i];
  }
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < a.length; i++) s[i] /= n;
  return s;
}

/** The fused unit vector of a cached face, as FusedEmbedder.rawFaces computes it. */
function fusedRaw(f, cfg) {
  const { fuseVectors } = req('faces/fused-embed.js');
  const a = cfg.flipDlib ? unitMean(f.dlib, f.dlibM) : f.dlib;
  const b = cfg.flipMfn ? unitMean(f.mfn, f.mfnM) : f.mfn;
  return fuseVectors(a, b, cfg.w);
}

function tarAtFar(faces, embs) {
  const { cosineInt8 } = req('faces/quantize.js');
  const gen = [], imp = [];
  for (let i = 0; i < faces.length; i++)
    for (let j = i + 1; j < faces.length; j++) (faces[i].identity === faces[j].identity ? gen : imp).push(cosineInt8(embs[i], embs[j]));
  const s = Float64Array.from(imp).sort().reverse();
  const thr = s[Math.floor(FAR * s.length)] ?? -1;
  return { tar: gen.filter((x) => x > thr).length / gen.length, threshold: thr, genuine: gen.length, impostor: s.length };
}

function choose() {
  const cache = arg('cache');
  const { pca } = req('faces/models/build/pca.js');
  const { project, encodeProjection } = req('faces/embed.js');
  const { l2normalize, quantize } = req('faces/quantize.js');
  const data = Object.fromEntries(setsArg().map((s) => [s, load(cache, s)]));
  const tune = Object.values(data).flat().filter((f) => f.part === 'tune');
  process.stderr.write(`tuning faces: ${tune.length} (${Object.entries(data).map(([s, f]) => `${s} ${f.filter((x) => x.part === 'tune').length}`).join(', ')})\n`);
  const ws = arg('weights', '0.3,0.4,0.5,0.6,0.7').split(',').map(Number);
  const flips = arg('flips', 'tt,tf,ft,ff').split(',');
  const results = [];
  for (const fl of flips) {
    for (const w of ws) {
      const cfg = { w, flipDlib: fl[0] === 't', flipMfn: fl[1] === 't' };
      const r = pca(tune.map((f) => fusedRaw(f, cfg)), 128);
      const proj = { from: 320, to: 128, mean: r.mean, matrix: r.components };
      const row = { ...cfg, explained: r.explained, sets: {} };
      let maxAbs = [];
      for (const [set, faces] of Object.entries(data)) {
        const one = faces.filter((f) => f.part === 'tune' && f.inPhoto === 1);
        const vs = one.map((f) => l2normalize(project(proj, fusedRaw(f, cfg))));
        for (const v of vs) for (const x of v) maxAbs.push(Math.abs(x));
        const t = tarAtFar(one, vs.map((v) => quantize(v, QUANT)));
        row.sets[set] = { faces: one.length, tar: t.tar, threshold: t.threshold };
      }
      maxAbs.sort((a, b) => a - b);
      row.maxAbs = maxAbs[maxAbs.length - 1];
      row.p9999 = maxAbs[Math.floor(0.9999 * (maxAbs.length - 1))];
      row.meanWildTar = WILD.filter((s) => row.sets[s]).reduce((a, s) => a + row.sets[s].tar, 0) / WILD.filter((s) => row.sets[s]).length;
      results.push(row);
      process.stderr.write(`w ${w} mirror dlib ${cfg.flipDlib ? 'on' : 'off'} mfn ${cfg.flipMfn ? 'on' : 'off'}: ${Object.entries(row.sets).map(([s, x]) => `${s} ${x.tar.toFixed(3)} (cos > ${x.threshold.toFixed(3)})`).join(', ')}; mean wild ${row.meanWildTar.toFixed(3)}; max |x| ${row.maxAbs.toFixed(3)} p99.99 ${row.p9999.toFixed(3)}\n`);
      if (arg('write') && ws.length === 1 && flips.length === 1) {
        fs.writeFileSync(arg('write'), encodeProjection(proj));
        process.stderr.write(`wrote ${arg('write')} (${tune.length} tuning faces, ${(r.explained * 100).toFixed(2)} % of the variance)\n`);
      }
    }
  }
  process.stdout.write(`${JSON.stringify({ fusedStudy: { far: FAR, part: 'tune', results } })}\n`);
}

function writeDbs() {
  const from = arg('from'), cache = arg('cache'), to = arg('to'), model = arg('model');
  const m = req('faces/models/registry.js').getEmbedder(model);
  const embed = embedderFor(model);
  fs.mkdirSync(to, { recursive: true });
  for (const set of setsArg()) {
    const src = new Database(path.join(from, `${set}.db`), { readonly: true });
    const dst = path.join(to, `${set}.db`);
    for (const ext of ['', '-wal', '-shm']) fs.rmSync(dst + ext, { force: true });
    src.exec(`VACUUM INTO '${dst.replace(/'/g, "''")}'`);
    src.close();
    const db = new Database(dst);
    const upd = db.prepare('UPDATE faces SET embedding = @v, base_embedding = @v, head_id = NULL, model_id = @model WHERE id = @id');
    const faces = load(cache, set);
    db.transaction(() => {
      for (const f of faces) {
        const q = embed(f);
        upd.run({ v: Buffer.from(q.buffer, q.byteOffset, 128), model: m.id, id: f.face });
      }
      const left = db.prepare('SELECT count(*) AS n FROM faces WHERE model_id != ?').get(m.id).n;
      if (left) throw new Error(`${set}: ${left} faces not in the vector cache`);
      db.prepare("INSERT INTO settings(key, value) VALUES ('library.model', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(m.id);
    })();
    db.close();
    fs.writeFileSync(`${dst}.scanned`, `${new Date().toISOString()} from ${from} by fused-study.js write-dbs\n`);
    process.stderr.write(`${set}: ${faces.length} faces re-embedded as ${m.id} into ${dst}\n`);
  }
}

/** The 128 bytes of a cached face under model `id` (and, for the fused model, its projection file). */
function embedderFor(id) {
  const { getEmbedder } = req('faces/models/registry.js');
  const { modelsDir } = req('faces/models/paths.js');
  const { project, readProjection } = req('faces/embed.js');
  const { l2normalize, quantize } = req('faces/quantize.js');
  const m = getEmbedder(id);
  if (m.id === 'dlib-resnet-v1') return (f) => quantize(unitMean(f.dlib, f.dlibM), m.quantScale);
  const proj = readProjection(path.join(modelsDir(), m.projection.file));
  if (m.fusion) {
    const cfg = { w: m.fusion.weight, flipDlib: m.fusion.flip[0], flipMfn: m.fusion.flip[1] };
    return (f) => quantize(l2normalize(project(proj, fusedRaw(f, cfg))), m.quantScale);
  }
  if (m.id === 'mobilefacenet-192') return (f) => quantize(l2normalize(project(proj, unitMean(f.mfn, f.mfnM))), m.quantScale);
  throw new Error(`no cached vectors for ${m.id}`);
}

/**
 * LFW View 2 sets 1-5 (3,000 pairs) from the cached vectors, as `visage eval-lfw` scores them: the
 * face nearest the image centre (app/eval/lfw-eval.ts pickCentralFace), 5-fold (each set's
 * threshold chosen on the other four). Sets 1-3 come from folds 1-3, the tuning part the fused
 * projection was fitted on (in-sample for it); sets 4-5 are also scored alone at the threshold
 * chosen on sets 1-3.
 */
function lfw() {
  const from = arg('from'), cache = arg('cache');
  const models = arg('models', 'dlib-resnet-v1,mobilefacenet-192,fused-dlib-mfn-128').split(',');
  const { loadLfwPairs, } = req('eval/lfw-dataset.js');
  const { crossValidatedAccuracy, bestThreshold, accuracyAt } = req('eval/verification.js');
  const { pickCentralFace } = req('eval/lfw-eval.js');
  const { cosineInt8 } = req('faces/quantize.js');
  const root = path.join(DATA, 'lfw-dev');
  const faces = load(cache, 'lfw-dev');
  const byId = new Map(faces.map((f) => [f.face, f]));
  const db = new Database(path.join(from, 'lfw-dev.db'), { readonly: true });
  const rows = db.prepare('SELECT f.id, f.x, f.y, f.w, f.h, p.path, p.width, p.height FROM faces f JOIN photos p ON p.id = f.photo_id').all();
  db.close();
  const perImage = new Map();
  for (const r of rows) (perImage.get(r.path) ?? perImage.set(r.path, { width: r.width, height: r.height, faces: [] }).get(r.path)).faces.push({ id: r.id, box: { x: r.x, y: r.y, width: r.w, height: r.h } });
  const pairs = loadLfwPairs(root);
  const central = new Map();
  let missing = 0;
  for (const file of new Set(pairs.flatMap((p) => [p.a, p.b]))) {
    const im = perImage.get(file);
    const c = im && pickCentralFace(im.faces, im.width, im.height);
    if (c && byId.has(c.id)) central.set(file, byId.get(c.id));
    else missing++;
  }
  const usable = pairs.filter((p) => central.has(p.a) && central.has(p.b));
  const out = [];
  for (const id of models) {
    const emb = embedderFor(id);
    const e = new Map([...central].map(([k, f]) => [k, emb(f)]));
    const scored = usable.map((p) => ({ set: p.set, same: p.same, score: cosineInt8(e.get(p.a), e.get(p.b)) }));
    const r = crossValidatedAccuracy(scored);
    const tune = scored.filter((x) => x.set <= 3), rep = scored.filter((x) => x.set >= 4);
    const t = bestThreshold(tune).threshold;
    const row = { model: id, accuracy: r.accuracy, std: r.std, auc: r.auc, threshold: r.globalThreshold, reportSets45AtTuneThreshold: accuracyAt(rep, t), tuneThreshold: t, pairs: usable.length, imagesWithoutCentralFace: missing };
    out.push(row);
    process.stderr.write(`${id}: LFW sets 1-5 ${(r.accuracy * 100).toFixed(2)} % (std ${(r.std * 100).toFixed(2)}), AUC ${r.auc.toFixed(4)}; sets 4-5 at the sets-1-3 threshold ${t.toFixed(3)}: ${(row.reportSets45AtTuneThreshold * 100).toFixed(2)} % (${usable.length} pairs, ${missing} images without a central face)\n`);
  }
  process.stdout.write(`${JSON.stringify({ lfwFromCache: out })}\n`);
}

/** TAR at FAR 1e-3 on the one-face photos of each people-wild set's part, per model. */
function tar() {
  const cache = arg('cache');
  const part = arg('part', 'report');
  const models = arg('models', 'dlib-resnet-v1,mobilefacenet-192,fused-dlib-mfn-128').split(',');
  const out = [];
  for (const id of models) {
    const emb = embedderFor(id);
    for (const set of WILD) {
      const one = load(cache, set).filter((f) => (part === 'all' || f.part === part) && f.inPhoto === 1);
      const t = tarAtFar(one, one.map(emb));
      out.push({ model: id, set, part, faces: one.length, ...t });
      process.stderr.write(`${id} ${set} (${part}, ${one.length} one-face photos): TAR ${t.tar.toFixed(3)} at FAR ${FAR} (cos > ${t.threshold.toFixed(3)})\n`);
    }
    const mine = out.filter((r) => r.model === id);
    process.stderr.write(`${id}: mean TAR ${(mine.reduce((a, r) => a + r.tar, 0) / mine.length).toFixed(3)}\n`);
  }
  process.stdout.write(`${JSON.stringify({ tarFromCache: out })}\n`);
}

const cmd = process.argv[2];
const commands = { vectors, choose, 'write-dbs': writeDbs, lfw, tar };
Promise.resolve()
  .then(() => {
    if (!commands[cmd]) throw new Error(`usage: fused-study.js ${Object.keys(commands).join('|')} ...`);
    return commands[cmd]();
  }).catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
