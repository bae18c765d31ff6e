const fs = require('fs');
const TH = 0.945, MARGIN = 0.01, SCALE = 0.4;
const seed = Number(process.argv[2] || 1);
const recs = fs.readFileSync('/tmp/x256/emb.jsonl', 'utf8').split('\n').filter(Boolean).map(JSON.parse).filter((r) => r.emb);
recs.forEach((r, i) => { r.id = i + 1; r.q = new Int8Array(Buffer.from(r.emb, 'base64')); });
const byId = new Map(); for (const r of recs) { if (!byId.has(r.identity)) byId.set(r.identity, []); byId.get(r.identity).push(r); }
let s = (seed * 7919 + 17) >>> 0; const rnd = () => { let t = (s = (s + 0x6d2b79f5) >>> 0); t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const names = [...byId.keys()].filter((k) => byId.get(k).length >= 6).sort();
const person = new Map(names.map((n, i) => [n, i]));
const named = [], test = [], strangers = [];
for (const n of names) { const l = byId.get(n).slice(); for (let i = l.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [l[i], l[j]] = [l[j], l[i]]; } l.forEach((r, i) => (i < 3 ? named : test).push(r)); }
for (const r of recs) if (!person.has(r.identity)) strangers.push(r);
const cos = (a, b) => { let d = 0, na = 0, nb = 0; for (let i = 0; i < 128; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; } return d / Math.sqrt(na * nb); };
const pool = [...test, ...strangers];
const lab = new Map(named.map((r) => [r.id, person.get(r.identity)])); let changed = true;
while (changed) { changed = false; for (const r of pool) { if (lab.has(r.id)) continue; const bp = new Map(); for (const [id, p] of lab) { const c = cos(r.q, recs[id - 1].q); if (c > (bp.get(p) ?? -2)) bp.set(p, c); } let b = -1, bs = -2, s2 = -2; for (const [p, c] of bp) { if (c > bs) { s2 = bs; bs = c; b = p; } else if (c > s2) s2 = c; } if (bs >= TH && bs - s2 >= MARGIN) { lab.set(r.id, b); changed = true; } } }
const items = []; const labArr = [...lab];
const members = new Map(); for (const [id, p] of lab) { if (!members.has(p)) members.set(p, []); members.get(p).push(recs[id - 1].q); }
const selfSim = new Map(); for (const [p, fs_] of members) { let t = 0, c = 0; for (let i = 0; i < fs_.length; i++) for (let j = i + 1; j < fs_.length; j++) { t += cos(fs_[i], fs_[j]); c++; } selfSim.set(p, c ? t / c : 0.95); }
for (const r of pool) { if (lab.has(r.id)) continue; const bp = new Map(); const byP = new Map();
  for (const [id, p] of labArr) { const c = cos(r.q, recs[id - 1].q); if (c > (bp.get(p) ?? -2)) bp.set(p, c); if (!byP.has(p)) byP.set(p, []); byP.get(p).push(c); }
  let b = -1, bs = -2, s2 = -2; for (const [p, c] of bp) { if (c > bs) { s2 = bs; bs = c; b = p; } else if (c > s2) s2 = c; }
  const cs = byP.get(b).sort((x, y) => y - x); const top3 = cs.slice(0, 3).reduce((x, y) => x + y, 0) / Math.min(3, cs.length); const mean = cs.reduce((x, y) => x + y, 0) / cs.length;
  const kind = !person.has(r.identity) ? 's' : person.get(r.identity) === b ? 'r' : 'w'; const sq = cs.length; items.push({ self: selfSim.get(b), bs, lead: bs - s2, kind, q: r.quality, top3, mean, n: cs.length }); }
const curve = (f) => { const it = items.map((x) => [f(x), x.kind]).sort((a, b) => b[0] - a[0]); let r = 0, st = 0; const out = []; const budgets = [10, 25, 50, 100, 200]; let bi = 0; for (const [, k] of it) { if (k === 's') { st++; while (bi < budgets.length && st > budgets[bi]) { out.push(r); bi++; } } else if (k === 'r') r++; } return out.join('/'); };

console.log('best', curve((x) => x.bs));
console.log('mean', curve((x) => x.mean));
console.log('mean - self', curve((x) => x.mean - x.self));
console.log('mean - 0.5 self', curve((x) => x.mean - 0.5*x.self));
console.log('mean/self', curve((x) => x.mean / x.self));
console.log('0.5best+0.5mean', curve((x) => 0.5*x.bs + 0.5*x.mean));
console.log('0.3best+0.7mean', curve((x) => 0.3*x.bs + 0.7*x.mean));
console.log('top3', curve((x) => x.top3));
const th = (k, f) => items.filter((x) => x.kind === k).map(f).sort((a, b) => b - a);
const ms = th('s', (x) => x.mean), mr = th('r', (x) => x.mean);
console.log('mean-score strangers top', ms.slice(0, 30).map((v) => v.toFixed(3)).join(' '));
console.log('mean-score missing top', mr.slice(0, 25).map((v) => v.toFixed(3)).join(' '));
