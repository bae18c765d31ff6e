/**
 * `visage start` (what `npm start` runs without Electron) and `visage serve`: exactly one line on
 * stdout with the URL and token, the default library (VISAGE_DATA_DIR) or --db, a clean exit on
 * SIGTERM/SIGINT, usage errors with exit code 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../e2e/fixtures';

const BIN = path.join(ROOT, 'bin', 'visage.js');

async function launch(args: string[], env: NodeJS.ProcessEnv = {}) {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no URL in 30 s: ${err}`)), 30_000);
    const tick = () => {
      const m = /^Visage is running at (\S+)\n/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      } else if (proc.exitCode !== null) reject(new Error(`exited ${proc.exitCode}: ${err}`));
      else setTimeout(tick, 50);
    };
    tick();
  });
  return { proc, url, out: () => out, err: () => err };
}

async function stop(proc: ReturnType<typeof spawn>, signal: NodeJS.Signals): Promise<number | null> {
  const code = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  proc.kill(signal);
  return code;
}

describe('visage start / visage serve', () => {
  it('start: browser mode on the default library, one line, clean SIGINT exit', async () => {
    const data = tempDir('visage-start-');
    const s = await launch(['start', '--no-open'], { VISAGE_DATA_DIR: data });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{40,}$/);
    const u = new URL(s.url);
    const token = u.searchParams.get('token')!;
    expect((await fetch(`${u.origin}/api/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"method":"library.state"}' })).status).toBe(401);
    const r = await fetch(`${u.origin}/api/call`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-visage-token': token }, body: '{"method":"library.state"}' });
    expect((await r.json()).result.dbPath).toBe(path.join(data, 'visage.db'));
    expect(await stop(s.proc, 'SIGINT')).toBe(0);
    expect(s.out().split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('serve: the chosen database and port; a new token every launch', async () => {
    const db = path.join(tempDir('visage-serve-'), 'lib.db');
    const a = await launch(['serve', '--db', db, '--no-open', '--port', '0']);
    const port = Number(new URL(a.url).port);
    expect(await stop(a.proc, 'SIGTERM')).toBe(0);
    const b = await launch(['serve', '--db', db, '--no-open', '--port', String(port), '--in-process']);
    expect(new URL(b.url).port).toBe(String(port));
    expect(new URL(b.url).searchParams.get('token')).not.toBe(new URL(a.url).searchParams.get('token'));
    const r = await fetch(`${new URL(b.url).origin}/api/call`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-visage-token': new URL(b.url).searchParams.get('token')! }, body: '{"method":"library.state"}' });
    expect((await r.json()).result.dbPath).toBe(db);
    expect(await stop(b.proc, 'SIGTERM')).toBe(0);
  });

  it('usage errors exit with code 2', () => {
    expect(spawnSync(process.execPath, [BIN, 'serve', '--no-open'], { cwd: ROOT }).status).toBe(2);
    expect(spawnSync(process.execPath, [BIN, 'serve', '--db', '/tmp/x.db', '--port', '70000'], { cwd: ROOT }).status).toBe(2);
    expect(spawnSync(process.execPath, [BIN, 'serve', '--db', '/tmp/x.db', '--bogus'], { cwd: ROOT }).status).toBe(2);
  });
});
