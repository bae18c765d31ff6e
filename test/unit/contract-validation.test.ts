import { describe, expect, it } from 'vitest';
import { ContractError, MIN_MANUAL_FACE_PX, correctionSchema, engineMethods, validateRequest } from '../../app/contract/contract';
import { RpcClient, serveRequests } from '../../app/contract/rpc';

function code(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof ContractError ? e.code : `not a ContractError: ${String(e)}`;
  }
}

describe('contract: request validation', () => {
  it('accepts every method with valid params', () => {
    expect(validateRequest('library.state', undefined).method).toBe('library.state');
    expect(validateRequest('library.state', null).params).toBeUndefined();
    expect(validateRequest('people.list', { includeHidden: true, query: 'an' }).params).toEqual({ includeHidden: true, query: 'an' });
    expect(validateRequest('people.list', { sort: 'named-first', filter: 'unnamed' }).params).toEqual({ sort: 'named-first', filter: 'unnamed' });
    expect(validateRequest('people.faces', { id: 3, limit: 10 }).params).toEqual({ id: 3, limit: 10 });
    expect(validateRequest('people.faceIds', { id: 3 }).params).toEqual({ id: 3 });
    expect(validateRequest('people.photos', { id: 3 }).params).toEqual({ id: 3 });
    expect(validateRequest('people.photos', { id: 3, offset: 500, limit: 500 }).params).toEqual({ id: 3, offset: 500, limit: 500 });
    expect(validateRequest('people.photoIds', { id: 3 }).params).toEqual({ id: 3 });
    expect(validateRequest('library.addFolder', { path: '/home/me/Pictures' }).params).toEqual({ path: '/home/me/Pictures' });
    expect(validateRequest('library.addFolder', { path: 'C:\\Users\\me' }).params).toEqual({ path: 'C:\\Users\\me' });
    expect(validateRequest('settings.set', { strictness: 'strict' }).params).toEqual({ strictness: 'strict' });
  });

  it('refuses unknown methods, internal methods from the UI and shell methods where there is no shell', () => {
    expect(code(() => validateRequest('people.dropTables', {}))).toBe('unknown-method');
    expect(code(() => validateRequest('__proto__', {}))).toBe('unknown-method');
    expect(code(() => validateRequest('constructor', {}))).toBe('unknown-method');
    expect(code(() => validateRequest(42, {}))).toBe('bad-request');
    expect(code(() => validateRequest('media.resolve', { kind: 'face', id: 1 }))).toBe('unknown-method');
    expect(validateRequest('media.resolve', { kind: 'face', id: 1 }, { allowInternal: true }).method).toBe('media.resolve');
    expect(code(() => validateRequest('shell.chooseFolder', undefined))).toBe('unknown-method');
    expect(validateRequest('shell.chooseFolder', undefined, { allowShell: true }).method).toBe('shell.chooseFolder');
  });

  it('refuses malformed params: wrong types, extra keys, out-of-range ids, relative or NUL paths', () => {
    expect(code(() => validateRequest('people.get', { id: '3' }))).toBe('bad-request');
    expect(code(() => validateRequest('people.get', { id: 0 }))).toBe('bad-request');
    expect(code(() => validateRequest('people.get', { id: 1.5 }))).toBe('bad-request');
    expect(code(() => validateRequest('people.get', { id: 3, extra: 1 }))).toBe('bad-request');
    expect(code(() => validateRequest('people.get', undefined))).toBe('bad-request');
    expect(code(() => validateRequest('library.state', { sneaky: true }))).toBe('bad-request');
    expect(code(() => validateRequest('library.addFolder', { path: 'relative/dir' }))).toBe('bad-request');
    expect(code(() => validateRequest('library.addFolder', { path: '/tmp/\0x' }))).toBe('bad-request');
    expect(code(() => validateRequest('library.addFolder', { path: '/'.repeat(5000) }))).toBe('bad-request');
    expect(code(() => validateRequest('people.faces', { id: 1, limit: 1e9 }))).toBe('bad-request');
    expect(code(() => validateRequest('people.faceIds', { id: 1, limit: 10 }))).toBe('bad-request');
    expect(code(() => validateRequest('people.faceIds', { id: 0 }))).toBe('bad-request');
    expect(code(() => validateRequest('people.photos', { id: 1, limit: 1e9 }))).toBe('bad-request');
    expect(code(() => validateRequest('people.photos', { id: 1, offset: -1 }))).toBe('bad-request');
    expect(code(() => validateRequest('people.photoIds', { id: 1, limit: 10 }))).toBe('bad-request');
    expect(code(() => validateRequest('settings.set', { strictness: 'extreme' }))).toBe('bad-request');
    expect(code(() => validateRequest('people.list', { sort: 'named' }))).toBe('bad-request');
    expect(code(() => validateRequest('people.list', { filter: 'everyone' }))).toBe('bad-request');
    expect(code(() => validateRequest('media.resolve', { kind: '../etc', id: 1 }, { allowInternal: true }))).toBe('bad-request');
  });

  it('validates every kind of correction', () => {
    const ok = [
      { kind: 'name', personId: 1, name: 'Anna' },
      { kind: 'name', personId: 1, name: null },
      { kind: 'merge', targetId: 1, sourceIds: [2, 3] },
      { kind: 'split', faceIds: [1, 2] },
      { kind: 'split', faceIds: [1], name: 'Bob' },
      { kind: 'move', faceIds: [1], personId: 2 },
      { kind: 'reject', faceIds: [1], personId: 2 },
      { kind: 'confirm', faceIds: [1], personId: 2 },
      { kind: 'hide', personId: 1, hidden: true },
      { kind: 'cover', personId: 1, faceId: 4 },
      { kind: 'not-a-face', faceIds: [9] },
      { kind: 'birthday', personId: 1, birthDate: '2020-02-29' },
      { kind: 'birthday', personId: 1, birthDate: null },
      { kind: 'hide-small', maxPhotos: 3 },
    ];
    for (const c of ok) expect(correctionSchema.safeParse(c).success, JSON.stringify(c)).toBe(true);
    const bad = [
      { kind: 'name', personId: 1, name: '   ' },
      { kind: 'name', personId: 1, name: 'x'.repeat(201) },
      { kind: 'merge', targetId: 1, sourceIds: [] },
      { kind: 'move', faceIds: [1], personId: -2 },
      { kind: 'split', faceIds: ['1'] },
      { kind: 'hide', personId: 1, hidden: 'yes' },
      { kind: 'drop', personId: 1 },
      { kind: 'cover', personId: 1, faceId: 4, extra: true },
      { kind: 'birthday', personId: 1, birthDate: '2021-02-29' },
      { kind: 'birthday', personId: 1, birthDate: '2020-1-5' },
      { kind: 'birthday', personId: 1, birthDate: '0999-01-01' },
      { kind: 'birthday', personId: 1 },
      { kind: 'hide-small', maxPhotos: 0 },
      { kind: 'hide-small', maxPhotos: 2.5 },
    ];
    for (const c of bad) expect(code(() => validateRequest('people.correct', c)), JSON.stringify(c)).toBe('bad-request');
    for (const c of [{ kind: 'not-same', a: 1 }, { kind: 'not-same', a: 1, b: 0 }, { kind: 'not-same', a: 1, b: 2, faces: [3] }]) {
      expect(code(() => validateRequest('people.correct', c)), JSON.stringify(c)).toBe('bad-request');
    }
    expect(validateRequest('people.correct', { kind: 'not-same', a: 1, b: 2 }).params).toEqual({ kind: 'not-same', a: 1, b: 2 });
    // Names are trimmed.
    expect(validateRequest('people.correct', { kind: 'name', personId: 1, name: '  Anna ' }).params).toEqual({ kind: 'name', personId: 1, name: 'Anna' });
  });

  it('validates the "Same person?" queue and its answers', () => {
    expect(validateRequest('people.suggestMerges', undefined).params).toBeUndefined();
    expect(validateRequest('people.suggestMerges', { limit: 20 }).params).toEqual({ limit: 20 });
    expect(validateRequest('people.answerMerge', { a: 1, b: 2, same: false }).params).toEqual({ a: 1, b: 2, same: false });
    for (const p of [{ limit: 0 }, { limit: 1001 }, { limit: 2.5 }]) expect(code(() => validateRequest('people.suggestMerges', p))).toBe('bad-request');
    for (const p of [{ a: 1, b: 2 }, { a: 1, b: 2, same: 'yes' }, { a: 0, b: 2, same: true }, { a: 1, same: true }]) {
      expect(code(() => validateRequest('people.answerMerge', p)), JSON.stringify(p)).toBe('bad-request');
    }
  });

  it('validates photos together and the people settings', () => {
    expect(validateRequest('people.photosTogether', { personIds: [1, 2], only: true }).params).toEqual({ personIds: [1, 2], only: true });
    for (const p of [{ personIds: [1] }, { personIds: [] }, { personIds: [1, 'x'] }, { personIds: Array.from({ length: 21 }, (_, i) => i + 1) }, { personIds: [1, 2], only: 'yes' }]) {
      expect(code(() => validateRequest('people.photosTogether', p)), JSON.stringify(p)).toBe('bad-request');
    }
    expect(validateRequest('settings.set', { minFacePixels: 40 }).params).toEqual({ minFacePixels: 40 });
    for (const v of [-1, 2001, 1.5, '40']) expect(code(() => validateRequest('settings.set', { minFacePixels: v })), String(v)).toBe('bad-request');
  });

  it('validates the face model move: library.reembed takes one model id (which ids exist is the engine\'s check), library.cancelReembed nothing', () => {
    expect(validateRequest('library.reembed', { model: 'mobilefacenet-192' }).params).toEqual({ model: 'mobilefacenet-192' });
    for (const bad of [undefined, {}, { model: '' }, { model: 'x'.repeat(65) }, { model: 7 }, { model: 'mobilefacenet-192', force: true }]) {
      expect(code(() => validateRequest('library.reembed', bad)), JSON.stringify(bad)).toBe('bad-request');
    }
    expect(validateRequest('library.cancelReembed', undefined).method).toBe('library.cancelReembed');
    expect(code(() => validateRequest('library.cancelReembed', { now: true }))).toBe('bad-request');
  });

  it('validates the learning methods', () => {
    for (const m of ['learning.state', 'learning.start', 'learning.cancel']) {
      expect(validateRequest(m, undefined).method).toBe(m);
      expect(code(() => validateRequest(m, { force: true })), m).toBe('bad-request');
    }
    expect(validateRequest('learning.rollback', { headId: 'base' }).params).toEqual({ headId: 'base' });
    expect(validateRequest('learning.rollback', { headId: 'dlib-resnet-v1/head-3' }).params).toEqual({ headId: 'dlib-resnet-v1/head-3' });
    for (const bad of [{}, { headId: '' }, { headId: 3 }, { headId: '../../etc/passwd' }, { headId: 'a b' }, { headId: 'x'.repeat(129) }, { headId: 'base', extra: 1 }, { headId: 'base\0' }]) {
      expect(code(() => validateRequest('learning.rollback', bad)), JSON.stringify(bad)).toBe('bad-request');
    }
  });

  it('validates faces.add (a drawn box of at least MIN_MANUAL_FACE_PX a side) and the no-face tags; add-face is not a people.correct kind', () => {
    const box = { x: 10, y: 20, width: 40, height: 50 };
    expect(validateRequest('faces.add', { photoId: 3, box }).params).toEqual({ photoId: 3, box });
    expect(validateRequest('faces.add', { photoId: 3, box, personId: 7 }).params).toEqual({ photoId: 3, box, personId: 7 });
    for (const bad of [
      {},
      { photoId: 3 },
      { photoId: 0, box },
      { photoId: 3, box: { ...box, width: MIN_MANUAL_FACE_PX - 1 } },
      { photoId: 3, box: { ...box, height: 2 } },
      { photoId: 3, box: { ...box, x: -1 } },
      { photoId: 3, box: { ...box, y: Number.NaN } },
      { photoId: 3, box: { x: 1, y: 1, w: 40, h: 40 } },
      { photoId: 3, box: { ...box, extra: 1 } },
      { photoId: 3, box, personId: -2 },
    ]) {
      expect(code(() => validateRequest('faces.add', bad)), JSON.stringify(bad)).toBe('bad-request');
    }
    expect(validateRequest('people.correct', { kind: 'tag-photo', photoId: 1, personId: 2 }).params).toEqual({ kind: 'tag-photo', photoId: 1, personId: 2 });
    expect(validateRequest('people.correct', { kind: 'tag-photo', photoId: 1, name: 'Bea' }).params).toEqual({ kind: 'tag-photo', photoId: 1, name: 'Bea' });
    expect(code(() => validateRequest('people.correct', { kind: 'tag-photo', photoId: 1 }))).toBe('bad-request');
    expect(code(() => validateRequest('people.correct', { kind: 'tag-photo', photoId: 1, personId: 2, name: 'Bea' }))).toBe('bad-request');
    expect(validateRequest('people.correct', { kind: 'untag-photo', photoId: 1, personId: 2 }).params).toEqual({ kind: 'untag-photo', photoId: 1, personId: 2 });
    expect(code(() => validateRequest('people.correct', { kind: 'add-face', photoId: 1, face: {} }))).toBe('bad-request');
  });

  it('validates XMP and the people file; the path-taking people file methods are internal', () => {
    expect(validateRequest('xmp.write', undefined).params).toBeUndefined();
    expect(validateRequest('xmp.write', { personId: 4 }).params).toEqual({ personId: 4 });
    expect(validateRequest('xmp.read', undefined).method).toBe('xmp.read');
    expect(code(() => validateRequest('xmp.write', { personId: 0 }))).toBe('bad-request');
    expect(code(() => validateRequest('xmp.write', { personId: 1, path: '/tmp' }))).toBe('bad-request');
    expect(code(() => validateRequest('xmp.read', { dir: '/tmp' }))).toBe('bad-request');
    // people.export / people.import: never from the UI (their paths come from native dialogs).
    expect(code(() => validateRequest('people.export', { path: '/tmp/p.json' }))).toBe('unknown-method');
    expect(code(() => validateRequest('people.import', { path: '/tmp/p.json' }))).toBe('unknown-method');
    const internal = { allowInternal: true };
    expect(validateRequest('people.export', undefined, internal).params).toBeUndefined();
    expect(validateRequest('people.export', { path: '/home/me/p.visage-people.json' }, internal).params).toEqual({ path: '/home/me/p.visage-people.json' });
    expect(validateRequest('people.import', { path: 'C:\\Users\\me\\p.json' }, internal).method).toBe('people.import');
    expect(validateRequest('people.import', { text: '{}', source: ' backup.json ' }, internal).params).toEqual({ text: '{}', source: 'backup.json' });
    for (const bad of [
      { path: 'relative.json' },
      { path: '/tmp/\0.json' },
      { path: '/tmp/a.json', text: '{}' },
      { text: '', source: 'x' },
      { text: '{}' },
      { text: '{}', source: 'a\nb' },
      { text: '{}', source: 'x'.repeat(201) },
      { text: 42, source: 'x' },
    ]) {
      expect(code(() => validateRequest('people.import', bad, internal)), JSON.stringify(bad)).toBe('bad-request');
    }
    expect(code(() => validateRequest('people.export', { path: 'out.json' }, internal))).toBe('bad-request');
    // Shell methods take no arguments at all.
    for (const m of ['shell.exportPeople', 'shell.importPeople']) {
      expect(validateRequest(m, undefined, { allowShell: true }).method).toBe(m);
      expect(code(() => validateRequest(m, { path: '/etc/passwd' }, { allowShell: true }))).toBe('bad-request');
      expect(code(() => validateRequest(m, undefined))).toBe('unknown-method');
    }
  });

  it('every method\'s params schema is strict: an unknown field is a bad request', () => {
    const lax = Object.keys(engineMethods).filter((m) => code(() => validateRequest(m, { bogus: 1 }, { allowInternal: true })) !== 'bad-request');
    expect(lax).toEqual([]);
  });
});

describe('contract: request/reply over a port', () => {
  function pair(handle: (m: unknown, p: unknown) => Promise<unknown>) {
    // `server` is read only when a message is delivered, after both exist.
    const client = new RpcClient((msg) => queueMicrotask(() => server.onMessage(structuredClone(msg))), 2000);
    const server = serveRequests((msg) => queueMicrotask(() => client.handleMessage(structuredClone(msg))), handle);
    return { client, server };
  }

  it('matches replies to requests, carries error codes and events', async () => {
    const { client, server } = pair(async (m, p) => {
      const v = validateRequest(m, p);
      if (v.method === 'people.get') return { id: (v.params as { id: number }).id };
      throw new ContractError('not-found', 'nothing');
    });
    const [a, b] = await Promise.all([client.call('people.get', { id: 7 }), client.call('people.get', { id: 8 })]);
    expect(a).toEqual({ id: 7 });
    expect(b).toEqual({ id: 8 });
    await expect(client.call('people.get', { id: 'x' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(client.call('library.state')).rejects.toMatchObject({ code: 'not-found', message: 'nothing' });
    const seen: unknown[] = [];
    let arrived!: () => void;
    const changed = new Promise<void>((r) => (arrived = r));
    client.onEvent((e, d) => {
      seen.push([e, d]);
      if (e === 'people.changed') arrived();
    });
    // The unknown event is handled (and must be dropped) before the real one crosses the port.
    client.handleMessage({ event: 'not.an.event', data: 1 });
    server.postEvent('people.changed', { reason: 'x' });
    await changed;
    expect(seen).toEqual([['people.changed', { reason: 'x' }]]);
  });

  it('fails pending calls when the other side goes away', async () => {
    const client = new RpcClient(() => undefined);
    const p = client.call('library.state');
    client.close('gone');
    await expect(p).rejects.toMatchObject({ code: 'unavailable' });
    await expect(client.call('library.state')).rejects.toMatchObject({ code: 'unavailable' });
  });
});

describe('clustering strictness', () => {
  it('moves the merge and assign thresholds by half the verify-to-cluster gap', async () => {
    const { MODEL_THRESHOLDS, effectiveThresholds } = await import('../../app/people/thresholds');
    const dlib = MODEL_THRESHOLDS['dlib-resnet-v1']!;
    const base = { ...dlib, verify: 0.92, cluster: 0.94, assign: 0.94, album: 1, albumGroup: 1 };
    expect(effectiveThresholds(base, null, 'normal')).toEqual(effectiveThresholds(base, null));
    expect(effectiveThresholds(base, null, 'strict').cluster).toBeCloseTo(0.95, 6);
    expect(effectiveThresholds(base, null, 'loose').assign).toBeCloseTo(0.93, 6);
    // the album rule's bar moves with them; a model without it (album >= 1) keeps it off
    expect(effectiveThresholds({ ...base, album: 0.935 }, null, 'strict').album).toBeCloseTo(0.945, 6);
    expect(effectiveThresholds({ ...base, album: 0.94, albumGroup: 0.93 }, null, 'loose').albumGroup).toBeCloseTo(0.92, 6);
    expect(effectiveThresholds(base, null, 'loose').album).toBe(1);
    const arcface = MODEL_THRESHOLDS['faceplugin-512-pca128']!;
    expect(effectiveThresholds({ ...arcface, verify: 0.35, cluster: 0.45, assign: 0.45 }, null, 'loose').cluster).toBeCloseTo(0.4, 6);
  });
});
