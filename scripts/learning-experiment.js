#!/usr/bin/env node
/**
 * Learning experiment (not part of npm test): does fine-tuning the projection head on K labelled
 * faces per identity cut the people feature's assignment errors on the other faces?
 *
 *   npx tsc -p tsconfig.json
 *   node scripts/learning-experiment.js --data ../shared/datasets/lfw-dev/images --labeled 3 [--seed 1]
 *        [--cache /tmp/visage-learning/lfw-dev-emb.jsonl] [--dist dist] [--opt key=value ...] [--json]
 *
 * Base embeddings: the engine's 128-byte vectors of the face nearest the image centre, computed
 * once and cached as JSON lines in --cache. Identities with >= K+3 images: K faces (chosen by the
 * seed) are "named by the user", the rest are test faces. Each test face is assigned to the named
 * person with the best cosine over that person's labelled faces when it reaches the model's
 * assign threshold and beats the next person by the margin (app/people/thresholds.ts), else it
 * stays unassigned; cosines on the int8 vectors, as the app stores them. Then trainHead() runs on
 * the labelled faces, every face is re-projected with the result (if adopted) and measured again.
 * Last line: one JSON object.
 *
 * Pseudo-labels (default): the test faces the people feature assigns with the base vectors
 * (--pseudo SCORE --pseudo-margin LEAD, default the model's assign threshold and margin; --pseudo 0
 * = user labels only). --bench N: training time for N synthetic labelled faces instead.
 * LEARNING_DIAG=1 lists the test faces that are wrong before or after.
 */
const fs = require('node:fs');
const path = require('node:path');

function parseArgs(argv) {
  const a = { data: '../shared/datasets/lfw-dev/images', labeled: 3, seed: 1, cache: '/tmp/visage-learning/lfw-dev-emb.jsonl', dist: 'dist', opt: {}, json: false, pseudo: -1, pseudoMargin: -1 };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === '--data') a.data = v();
    else if (k === '--labeled') a.labeled = Number(v());
    else if (k === '--seed') a.seed = Number(v());
    else if (k === '--cache') a.cache = v();
    else if (k === '--dist') a.dist = v();
    else if (k === '--json') a.json = true;
    else if (k === '--bench') a.bench = Number(v());
    else if (k === '--pseudo') a.pseudo = Number(v());
    else if (k === '--pseudo-margin') a.pseudoMargin = Number(v());
    else if (k === '--opt') {
      const [key, val] = v().split('=');
      a.opt[key] = /^-?[\d.e-]+$/.test(val) ? Number(val) : val === 'true' ? true : val === 'false' ? false : val;
    } else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

async function computeCache(dist, root, out) {
  const { FacePipeline } = require(path.resolve(dist, 'app/faces/pipeline.js'));
  const engine = await FacePipeline.create({ provider: 'cpu' });
  const done = new Set();
  if (fs.existsSync(out)) for (const l of fs.readFileSync(out, 'utf8').split('\n')) if (l) done.add(JSON.parse(l).file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const fd = fs.openSync(out, 'a');
  const files = [];
  for (const id of fs.readdirSync(root).sort()) {
    const dir = path.join(root, id);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const f of fs.readdirSync(dir).sort()) files.push(`${id}/${f}`);
  }
  let n = 0;
  const t0 = Date.now();
  for (const file of files) {
    if (done.has(file)) continue;
    let rec = { file, identity: file.split('/')[0] };
    try {
      const a = await engine.analyzeFile(path.join(root, file));
      let best = null, bd = Infinity;
      for (const f of a.faces) {
        const cx = f.box.x + f.box.width / 2 - a.width / 2, cy = f.box.y + f.box.height / 2 - a.height / 2;
        if (cx * cx + cy * cy < bd) { bd = cx * cx + cy * cy; best = f; }
      }
      if (best) rec = { ...rec, emb: Buffer.from(best.embedding.buffer, best.embedding.byteOffset, 128).toString('base64'), quality: best.quality.score, nfaces: a.faces.length };
      else rec.nfaces = 0;
    } catch (e) {
      rec.error = String(e && e.message ? e.message : e);
    }
    fs.writeSync(fd, JSON.stringify(rec) + '\n');
    if (++n % 500 === 0) console.error(`embedded ${n} images, ${((Date.now() - t0) / n).toFixed(1)} ms each`);
  }
  fs.closeSync(fd);
  await engine.close();
}

function loadCache(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.emb);
}

/** Seeded shuffle (mulberry32). */
function shuffler(seed) {
  let s = seed >>> 0;
  const rnd = () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (arr) => {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [arr[i], arr[j]] = [arr[j], arr[i]];
    }
    return arr;
  };
}

function cosI8(a, b) {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < 128; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return na && nb ? d / Math.sqrt(na * nb) : 0;
}

/** Nearest named person for every test face; returns {accuracy, wrong, unassigned} counts and rates. */
function measure(test, gallery, persons, emb, th, decisions) {
  let ok = 0, wrong = 0, un = 0;
  const best = new Float64Array(persons);
  for (const t of test) {
    best.fill(-2);
    for (const g of gallery) {
      const c = cosI8(emb.get(t.id), emb.get(g.id));
      if (c > best[g.person]) best[g.person] = c;
    }
    let b = -1, bs = -3, s2 = -3;
    for (let q = 0; q < persons; q++) {
      if (best[q] > bs) { s2 = bs; bs = best[q]; b = q; } else if (best[q] > s2) s2 = best[q];
    }
    if (decisions) decisions.set(t.id, { person: b, score: bs, lead: bs - s2 });
    if (bs >= th.assign && bs - s2 >= th.margin) { if (b === t.person) ok++; else wrong++; } else un++;
  }
  const n = test.length;
  return { accuracy: ok / n, wrong: wrong / n, unassigned: un / n, correctCount: ok, wrongCount: wrong, unassignedCount: un, errors: wrong + un };
}

/**
 * --bench N: training time for N labelled faces (synthetic identities of 20 faces in dlib's
 * cone, with the model's assign threshold), default options. Last line: one JSON object.
 */
async function bench(a, dist) {
  const L = require(path.join(dist, 'app/learning/index.js'));
  const { MODEL_THRESHOLDS } = require(path.join(dist, 'app/people/thresholds.js'));
  const th = MODEL_THRESHOLDS['dlib-resnet-v1'];
  const per = 20;
  const s = L.syntheticIdentities({ identities: Math.ceil(a.bench / per), facesPerIdentity: per, seed: a.seed, nuisance: 0.12 });
  const baseVectors = new Map(s.ids.map((id, i) => [id, s.vectors[i]]));
  const labels = new Map(s.ids.map((id, i) => [id, s.identity[i]]));
  // a few constraints too: same-photo pairs between neighbours of different people
  const cannotLink = [];
  for (let i = 0; i + per < s.ids.length; i += 97) cannotLink.push([s.ids[i], s.ids[i + per]]);
  const t0 = performance.now();
  const res = await L.trainHead({
    baseVectors,
    labels,
    cannotLink,
    options: { seed: a.seed, assign: { threshold: th.assign, margin: th.margin }, ...a.opt },
    onProgress: a.json ? undefined : (e, loss, val, rec) => console.error(`epoch ${e} loss ${loss.toFixed(4)} val acc ${val.accuracy.toFixed(3)} wrong ${val.wrong.toFixed(3)} (${rec.seconds.toFixed(2)} s)`),
  });
  const seconds = (performance.now() - t0) / 1000;
  const epochSeconds = res.history.map((h) => h.seconds);
  console.log(JSON.stringify({
    bench: true,
    labeledFaces: labels.size,
    people: res.data.people,
    heldOut: res.data.heldOut,
    seconds,
    epochs: res.history.length,
    bestEpoch: res.bestEpoch,
    stoppedBy: res.stoppedBy,
    secondsPerEpoch: epochSeconds.reduce((x, y) => x + y, 0) / Math.max(1, epochSeconds.length),
    before: res.before,
    after: res.after,
    adopted: res.adopted,
    peakRssMB: Math.round(process.memoryUsage().rss / 1048576),
  }));
}

async function main() {
  const a = parseArgs(process.argv);
  const dist = path.resolve(a.dist);
  if (a.bench) return bench(a, dist);
  if (!fs.existsSync(a.cache) || fs.readFileSync(a.cache, 'utf8').split('\n').filter(Boolean).length < 10) await computeCache(dist, a.data, a.cache);
  const L = require(path.join(dist, 'app/learning/index.js'));
  const { MODEL_THRESHOLDS } = require(path.join(dist, 'app/people/thresholds.js'));
  const th = MODEL_THRESHOLDS['dlib-resnet-v1'];
  // default pseudo-labels: the faces the people feature itself assigns (its threshold and margin); --pseudo 0 turns them off
  if (a.pseudo < 0) a.pseudo = th.assign;
  if (a.pseudoMargin < 0) a.pseudoMargin = th.margin;
  const scale = 0.4;
  const recs = loadCache(a.cache);
  const byId = new Map();
  recs.forEach((r, i) => {
    r.id = i + 1;
    const q = new Int8Array(Buffer.from(r.emb, 'base64'));
    r.q = q;
    r.v = Float32Array.from(q, (x) => (x * scale) / 127);
    if (!byId.has(r.identity)) byId.set(r.identity, []);
    byId.get(r.identity).push(r);
  });
  const shuffle = shuffler(a.seed * 7919 + 17);
  const ids = [...byId.keys()].filter((k) => byId.get(k).length >= a.labeled + 3).sort();
  const gallery = [], test = [];
  ids.forEach((id, person) => {
    const l = shuffle(byId.get(id).slice().sort((x, y) => (x.file < y.file ? -1 : 1)));
    l.forEach((r, i) => { r.person = person; (i < a.labeled ? gallery : test).push(r); });
  });
  const baseEmb = new Map(recs.map((r) => [r.id, r.q]));
  const decisions = new Map();
  const before = measure(test, gallery, ids.length, baseEmb, th, decisions);
  // Optional pseudo-labels: test faces the base assignment is very sure of (the machine's own
  // confident assignments, as the people feature would have made them; never the truth).
  const pseudoLabels = new Map();
  let pseudoWrong = 0;
  if (a.pseudo > 0) {
    for (const t of test) {
      const dcs = decisions.get(t.id);
      if (dcs.score >= a.pseudo && dcs.lead >= a.pseudoMargin) {
        pseudoLabels.set(t.id, dcs.person);
        if (dcs.person !== t.person) pseudoWrong++;
      }
    }
  }

  const baseVectors = new Map(recs.map((r) => [r.id, r.v]));
  const labels = new Map(gallery.map((r) => [r.id, r.person]));
  const options = { seed: a.seed, assign: { threshold: th.assign, margin: th.margin }, ...a.opt };
  const t0 = performance.now();
  const res = await L.trainHead({
    baseVectors,
    labels,
    pseudoLabels,
    pseudoWeight: a.opt.pseudoWeight,
    currentHead: null,
    options,
    onProgress: a.json ? undefined : (e, loss, val) => console.error(`epoch ${e} loss ${loss.toFixed(4)} val acc ${val.accuracy.toFixed(3)} wrong ${val.wrong.toFixed(3)} top1 ${val.top1.toFixed(3)} auc ${val.auc.toFixed(4)}`),
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  // re-project every face with the trained head (whether adopted or not, to report both)
  const newEmb = new Map();
  for (const r of recs) newEmb.set(r.id, L.projectQuantized(res.head.shape, res.head.weights, r.v, scale));
  const afterDecisions = new Map();
  const trained = measure(test, gallery, ids.length, newEmb, th, afterDecisions);
  if (process.env.LEARNING_DIAG) {
    for (const t of test) {
      const b = decisions.get(t.id), n = afterDecisions.get(t.id);
      const wasWrong = b.score >= th.assign && b.lead >= th.margin && b.person !== t.person;
      const isWrong = n.score >= th.assign && n.lead >= th.margin && n.person !== t.person;
      if (wasWrong || isWrong) console.error(`${t.file}: before ${ids[b.person]} ${b.score.toFixed(3)} lead ${b.lead.toFixed(3)}${wasWrong ? ' WRONG' : ''}; after ${ids[n.person]} ${n.score.toFixed(3)} lead ${n.lead.toFixed(3)}${isWrong ? ' WRONG' : ''}; pseudo ${pseudoLabels.has(t.id) ? ids[pseudoLabels.get(t.id)] : '-'}`);
    }
  }
  const after = res.adopted ? trained : before;
  // During background re-projection old and new vectors meet: test faces already re-projected
  // against labelled faces still stored with the old head, and the other way round.
  const mixedEmb = new Map([...test.map((t) => [t.id, newEmb.get(t.id)]), ...gallery.map((g) => [g.id, baseEmb.get(g.id)])]);
  const mixedNewVsOld = measure(test, gallery, ids.length, mixedEmb, th);
  const mixedEmb2 = new Map([...test.map((t) => [t.id, baseEmb.get(t.id)]), ...gallery.map((g) => [g.id, newEmb.get(g.id)])]);
  const mixedOldVsNew = measure(test, gallery, ids.length, mixedEmb2, th);
  // cross-version: cosine between a face's old and new vectors
  const cross = recs.map((r) => cosI8(baseEmb.get(r.id), newEmb.get(r.id))).sort((x, y) => x - y);
  const out = {
    identities: ids.length,
    testFaces: test.length,
    labeled: gallery.length,
    seed: a.seed,
    before,
    after,
    trained,
    mixedNewVsOld,
    mixedOldVsNew,
    errorCut: before.errors ? 1 - trained.errors / before.errors : 0,
    adopted: res.adopted,
    reason: res.reason,
    trainSeconds,
    epochs: res.history.length,
    bestEpoch: res.bestEpoch,
    stoppedBy: res.stoppedBy,
    heldOut: res.data.heldOut,
    valBefore: res.before,
    valAfter: res.after,
    crossVersionCos: { p1: cross[Math.floor(0.01 * cross.length)], median: cross[Math.floor(0.5 * cross.length)] },
    options,
    pseudo: a.pseudo > 0 ? { threshold: a.pseudo, margin: a.pseudoMargin, faces: pseudoLabels.size, wrong: pseudoWrong } : null,
  };
  if (!a.json) console.error(`before: acc ${before.accuracy.toFixed(4)} wrong ${before.wrongCount} unassigned ${before.unassignedCount}; trained: acc ${trained.accuracy.toFixed(4)} wrong ${trained.wrongCount} unassigned ${trained.unassignedCount}; error cut ${(out.errorCut * 100).toFixed(1)}%`);
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
