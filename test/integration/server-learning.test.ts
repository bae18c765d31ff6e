/**
 * "Learn from my corrections" as the engine host runs it: one job at a time, progress as events,
 * cancel, the outcome kept for the UI, people.changed after it ends and after a roll back, scans
 * and a second job refused while it runs, and the same over the browser-mode HTTP API. The learning
 * service is a scripted stand-in here (the real one is exercised by the e2e test): this is about
 * the host's job control, not the maths.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, LearningJob, LearningState, RollbackResult, TrainProgress } from '../../app/contract/contract';
import { NotFoundError } from '../../app/contract/errors';
import type { HeadSummary, LearningSummary, ReprojectProgress, TrainOutcome } from '../../app/contract/learning';
import type { LearningApi, ReprojectRun } from '../../app/learning/api';
import { InProcessEngine } from '../../app/engine/client';
import { startServer, type RunningServer } from '../../app/server/http-server';
import { FakeAnalyzer, nextEvent, syntheticPhotos, tempDir } from '../e2e/fixtures';

const figures = (a: number) => ({ accuracy: a, wrong: (1 - a) / 2, unassigned: (1 - a) / 2 });
const head = (id: string, version: number, active: boolean, adopted = true): HeadSummary => ({
  id,
  version,
  parent: null,
  createdAt: version ? '2024-05-01T10:00:00.000Z' : '',
  modelId: 'dlib-resnet-v1',
  adopted,
  active,
  before: version ? figures(0.7) : null,
  after: version ? figures(0.8) : null,
  labelledFaces: version ? 12 : 0,
  seconds: 1,
});

/**
 * A scripted LearningApi: `train` emits an epoch each time the test calls `step()`; with `gate` on,
 * the re-projection after adoption or a roll back also waits for a `step()` half-way.
 */
class ScriptedLearning implements LearningApi {
  static instances: ScriptedLearning[] = [];
  static ready = true;
  static adopt = true;
  static gate = false;
  heads: HeadSummary[] = [head('base', 0, true)];
  pending: { resolve: () => void } | null = null;
  inWorker: boolean | undefined;
  constructor(
    readonly db: unknown,
    readonly people: unknown,
  ) {
    ScriptedLearning.instances.push(this);
  }
  summary(): LearningSummary {
    return { labelledFaces: 12, people: ScriptedLearning.ready ? 3 : 1, negatives: 4, minPeople: 2, noAnswers: 0, minNoAnswers: 100, ready: ScriptedLearning.ready, active: this.heads.find((h) => h.active)!, heads: this.heads, changes: null };
  }
  async reproject(headId: string, opts: ReprojectRun): Promise<void> {
    opts.onReproject?.({ headId, done: 1, total: 2 });
    if (ScriptedLearning.gate) await new Promise<void>((resolve) => (this.pending = { resolve }));
    opts.onReproject?.({ headId, done: 2, total: 2 });
  }
  async train(opts: { signal?: AbortSignal; onProgress?: (p: TrainProgress) => void; inWorker?: boolean } & ReprojectRun = {}): Promise<TrainOutcome> {
    this.inWorker = opts.inWorker;
    const history: TrainProgress[] = [];
    for (let epoch = 1; epoch <= 3; epoch++) {
      await new Promise<void>((resolve, reject) => {
        this.pending = { resolve };
        opts.signal?.addEventListener('abort', () => reject(Object.assign(new Error('training cancelled'), { name: 'AbortError' })), { once: true });
      });
      const p = { epoch, epochs: 3, loss: 0.5 / epoch, val: figures(0.7 + epoch * 0.03) };
      history.push(p);
      opts.onProgress?.(p);
    }
    const adopted = ScriptedLearning.adopt;
    const h = head(`dlib-resnet-v1/head-${this.heads.length}`, this.heads.length, adopted, adopted);
    if (adopted) for (const x of this.heads) x.active = false;
    this.heads.unshift(h);
    if (adopted) await this.reproject(h.id, opts);
    return {
      head: h,
      adopted,
      reason: adopted ? 'better on held-out labels' : 'not better on held-out labels',
      before: figures(0.7),
      after: figures(adopted ? 0.79 : 0.69),
      seconds: 0.1,
      heldBack: { faces: 24, rejections: 0, need: 20, before: { right: 20, wrong: 0, unassigned: 4, rejectedIn: 0 }, after: { right: adopted ? 22 : 20, wrong: 0, unassigned: adopted ? 2 : 4, rejectedIn: 0 } },
      history,
      people: adopted ? { people: 3, assigned: 10, unassigned: 2, created: 0, seconds: 0 } : null,
      regroup: adopted ? { share: 0.01, max: 0.05 } : null,
    };
  }
  step(): void {
    const p = this.pending;
    this.pending = null;
    p?.resolve();
  }
  pendingSwitch(): string | null {
    return null;
  }
  async resumePending(): Promise<null> {
    return null;
  }
  async rollback(headId: string, opts: ReprojectRun = {}) {
    const h = this.heads.find((x) => x.id === headId);
    if (!h) throw new NotFoundError('head', `no head ${headId} for model dlib-resnet-v1`);
    for (const x of this.heads) x.active = x === h;
    await this.reproject(headId, opts);
    return { active: h, people: { people: 3, assigned: 9, unassigned: 3, created: 0, seconds: 0 } };
  }
}

let dir: string;
let engine: InProcessEngine;
let server: RunningServer;
const events: { event: EventName; data: unknown }[] = [];

function api<T>(method: string, params?: unknown): Promise<{ status: number; body: { ok: boolean; result: T; error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, path: '/api/call', method: 'POST', headers: { 'content-type': 'application/json', 'x-visage-token': server.token, origin: `http://127.0.0.1:${server.port}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ method, params }));
  });
}

const learner = () => ScriptedLearning.instances.at(-1)!;
async function until(pred: () => boolean, what: string): Promise<void> {
  const t = Date.now();
  while (!pred()) {
    if (Date.now() - t > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const waitPending = () => until(() => learner().pending !== null, 'the next epoch');

beforeAll(async () => {
  dir = tempDir('visage-learning-');
  const lib = path.join(dir, 'Library');
  await syntheticPhotos(lib, 3);
  engine = new InProcessEngine({ dbPath: path.join(dir, 'data', 'visage.db'), createAnalyzer: async () => new FakeAnalyzer(), learningService: ScriptedLearning });
  engine.onEvent((event, data) => events.push({ event, data }));
  server = await startServer({ engine, rendererDir: dir });
  await engine.call('library.addFolder', { path: lib });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await engine?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('learning from corrections: the job in the engine host', () => {
  it('reports what it will use, with the heads', async () => {
    const r = await api<LearningState>('learning.state');
    expect(r.status).toBe(200);
    expect(r.body.result.available).toBe(true);
    expect(r.body.result.summary).toMatchObject({ labelledFaces: 12, people: 3, ready: true, minPeople: 2 });
    expect(r.body.result.summary!.active.id).toBe('base');
    expect(r.body.result.job).toEqual({ running: false, startedAt: null, progress: [], outcome: null, cancelled: false, error: null });
    expect(r.body.result.reprojecting).toBeNull();
    // The learning service gets the host's database and people service.
    expect(learner().db).toBeTruthy();
    expect(typeof (learner().people as { recluster?: unknown }).recluster).toBe('function');
  });

  it('runs one job in a worker, pushes progress as events, refuses a second job and scans meanwhile, then keeps the outcome', async () => {
    events.length = 0;
    const started = await api<LearningState>('learning.start');
    expect(started.status).toBe(200);
    expect(started.body.result.job.running).toBe(true);
    expect(learner().inWorker).toBe(true);
    expect(events.find((e) => e.event === 'learning.state')?.data).toMatchObject({ running: true });
    const again = await api('learning.start');
    expect(again.status).toBe(409);
    expect(again.body.error!.code).toBe('busy');
    expect((await api('scan.start')).status).toBe(409);
    expect((await api('learning.rollback', { headId: 'base' })).status).toBe(409);
    expect((await api('settings.set', { strictness: 'strict' })).status).toBe(409);
    // An adopted head is re-projected and people re-clustered by the job itself.
    const recluster = await api('people.recluster');
    expect(recluster.status).toBe(409);
    expect(recluster.body.error).toMatchObject({ code: 'busy', message: expect.stringMatching(/training/) });
    await waitPending();
    learner().step();
    await until(() => events.some((e) => e.event === 'learning.progress'), 'a progress event');
    const mid = (await api<LearningState>('learning.state')).body.result.job;
    expect(mid.running).toBe(true);
    expect(mid.progress).toHaveLength(1);
    expect(mid.progress[0]).toMatchObject({ epoch: 1, epochs: 3 });
    const finished = nextEvent<LearningJob>(engine, 'learning.state', 5000, (j) => !j.running);
    const changed = nextEvent<{ reason: string }>(engine, 'people.changed', 5000);
    for (let i = 0; i < 2; i++) {
      await waitPending();
      learner().step();
    }
    const job = await finished;
    expect(job.outcome).toMatchObject({ adopted: true, reason: 'better on held-out labels' });
    expect(job.progress.map((p) => p.epoch)).toEqual([1, 2, 3]);
    expect((await changed).reason).toBe('learning:adopted');
    expect(events.filter((e) => e.event === 'learning.progress')).toHaveLength(3);
    const after = (await api<LearningState>('learning.state')).body.result;
    expect(after.job.running).toBe(false);
    expect(after.job.outcome!.head.version).toBe(1);
    expect(after.summary!.active.version).toBe(1);
    expect(after.summary!.heads.map((h) => h.id)).toEqual(['dlib-resnet-v1/head-1', 'base']);
  });

  it('cancels a running job: nothing adopted, no people change', async () => {
    events.length = 0;
    expect((await api('learning.start')).status).toBe(200);
    await waitPending();
    const finished = nextEvent<LearningJob>(engine, 'learning.state', 5000, (j) => !j.running);
    const c = await api<LearningState>('learning.cancel');
    expect(c.status).toBe(200);
    const job = await finished;
    expect(job).toMatchObject({ running: false, cancelled: true, outcome: null, error: null });
    expect(events.some((e) => e.event === 'people.changed')).toBe(false);
    expect((await api<LearningState>('learning.state')).body.result.summary!.heads).toHaveLength(2);
  });

  it('rolls back to an earlier head or the base model, and re-groups people', async () => {
    const changed = nextEvent<{ reason: string }>(engine, 'people.changed', 5000);
    const r = await api<RollbackResult>('learning.rollback', { headId: 'base' });
    expect(r.status).toBe(200);
    expect(r.body.result.active.id).toBe('base');
    expect(r.body.result.people.people).toBe(3);
    expect((await changed).reason).toBe('learning:rollback');
    expect((await api<LearningState>('learning.state')).body.result.summary!.active.id).toBe('base');
    const missing = await api('learning.rollback', { headId: 'dlib-resnet-v1/head-99' });
    expect(missing.status).toBe(404);
    expect((await api('learning.rollback', { headId: '../../etc' })).status).toBe(400);
    expect((await api('learning.rollback', {})).status).toBe(400);
  });

  it('a roll back re-projects in the background: other requests are answered, progress comes as events, scans and training wait', async () => {
    ScriptedLearning.gate = true;
    try {
      events.length = 0;
      const reply = api<RollbackResult>('learning.rollback', { headId: 'dlib-resnet-v1/head-1' });
      await waitPending();
      const state = (await api<LearningState>('learning.state')).body.result;
      expect(state.reprojecting).toEqual({ headId: 'dlib-resnet-v1/head-1', done: 1, total: 2 });
      expect(events.filter((e) => e.event === 'learning.reprojecting').map((e) => e.data)).toEqual([{ headId: 'dlib-resnet-v1/head-1', done: 1, total: 2 }]);
      expect((await api('people.list')).status).toBe(200);
      for (const [m, p] of [['scan.start'], ['learning.start'], ['learning.rollback', { headId: 'base' }], ['settings.set', { strictness: 'strict' }], ['people.recluster']] as const) {
        const r = await api(m, p);
        expect(r.status, m).toBe(409);
        expect(r.body.error!.message, m).toMatch(/roll back/);
      }
      const changed = nextEvent<{ reason: string }>(engine, 'people.changed', 5000);
      learner().step();
      const r = await reply;
      expect(r.status).toBe(200);
      expect(r.body.result.active.id).toBe('dlib-resnet-v1/head-1');
      expect((await changed).reason).toBe('learning:rollback');
      expect(events.filter((e) => e.event === 'learning.reprojecting').map((e) => (e.data as ReprojectProgress).done)).toEqual([1, 2]);
      expect((await api<LearningState>('learning.state')).body.result.reprojecting).toBeNull();
      // Once it is done, a re-cluster is answered again.
      expect((await api('people.recluster')).status).toBe(200);
    } finally {
      ScriptedLearning.gate = false;
    }
  });

  it('a cancel that comes while an adopted head is re-projected is too late: the outcome stands', async () => {
    ScriptedLearning.gate = true;
    try {
      events.length = 0;
      expect((await api('learning.start')).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        await waitPending();
        learner().step();
      }
      await waitPending(); // half-way through the re-projection
      expect((await api<LearningState>('learning.state')).body.result.reprojecting).toMatchObject({ done: 1, total: 2 });
      expect((await api('people.recluster')).body.error).toMatchObject({ code: 'busy' });
      const finished = nextEvent<LearningJob>(engine, 'learning.state', 5000, (j) => !j.running);
      const changed = nextEvent<{ reason: string }>(engine, 'people.changed', 5000);
      expect((await api('learning.cancel')).status).toBe(200);
      learner().step();
      const job = await finished;
      expect(job).toMatchObject({ running: false, cancelled: false, error: null, outcome: { adopted: true } });
      expect((await changed).reason).toBe('learning:adopted');
      expect(events.filter((e) => e.event === 'learning.reprojecting').map((e) => (e.data as ReprojectProgress).done)).toEqual([1, 2]);
      expect((await api<LearningState>('learning.state')).body.result.reprojecting).toBeNull();
    } finally {
      ScriptedLearning.gate = false;
    }
  });

  it('refuses to start when there is too little to learn from, and says why', async () => {
    ScriptedLearning.ready = false;
    try {
      const r = await api('learning.start');
      expect(r.status).toBe(400);
      expect(r.body.error!.message).toMatch(/name at least 2 people/);
    } finally {
      ScriptedLearning.ready = true;
    }
  });

  it('says learning is unavailable where the build has no learning service', async () => {
    const e2 = new InProcessEngine({ dbPath: path.join(dir, 'data', 'other.db'), createAnalyzer: async () => new FakeAnalyzer(), learningService: null });
    try {
      const s = (await e2.call('learning.state')) as LearningState;
      expect(s.available).toBe(false);
      expect(s.summary).toBeNull();
      await expect(e2.call('learning.start')).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await e2.close();
    }
  });
});
