/**
 * How the browser-mode server (and the CLI) reach the engine: the same contract either in this
 * process (`InProcessEngine`) or in a child process running app/engine/process.js
 * (`ChildProcessEngine`, the default for `visage serve`: scans never block the HTTP server).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ContractError, type EventName } from '../contract/contract';
import { RpcClient, type EventListener } from '../contract/rpc';
import { EngineHost, type EngineHostOptions } from './host';

export interface EngineClient {
  call(method: string, params?: unknown): Promise<unknown>;
  onEvent(listener: EventListener): () => void;
  close(): Promise<void>;
}

export class InProcessEngine implements EngineClient {
  readonly host: EngineHost;
  private readonly listeners = new Set<EventListener>();

  constructor(opts: EngineHostOptions) {
    this.host = new EngineHost(opts);
    this.host.on('event', (event: EventName, data: unknown) => {
      for (const l of this.listeners) l(event, data);
    });
    this.host.warmUp();
  }

  call(method: string, params?: unknown): Promise<unknown> {
    return this.host.handle(method, params);
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    return this.host.close();
  }
}

export class ChildProcessEngine implements EngineClient {
  private readonly child: ChildProcess;
  private readonly rpc: RpcClient;
  private readonly ready: Promise<void>;
  private exited = false;

  constructor(opts: { dbPath: string; mode?: 'browser' | 'electron' }) {
    const entry = path.join(__dirname, 'process.js');
    this.child = fork(entry, ['--db', opts.dbPath, '--mode', opts.mode ?? 'browser'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    this.rpc = new RpcClient((m) => this.child.send(m as never));
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m: unknown) => {
        const r = m as { ready?: boolean; error?: string };
        if (r && typeof r === 'object' && 'ready' in r) {
          this.child.off('message', onMsg);
          if (r.ready) resolve();
          else reject(new ContractError('unavailable', r.error ?? 'the engine failed to start'));
        }
      };
      this.child.on('message', onMsg);
      this.child.once('exit', (code) => reject(new ContractError('unavailable', `the engine exited with code ${code}`)));
    });
    this.ready.catch(() => undefined);
    this.child.on('message', (m) => this.rpc.handleMessage(m));
    this.child.on('exit', (code) => {
      this.exited = true;
      this.rpc.close(`the engine process exited (code ${code})`);
    });
  }

  async call(method: string, params?: unknown): Promise<unknown> {
    await this.ready;
    return this.rpc.call(method, params);
  }

  onEvent(listener: EventListener): () => void {
    return this.rpc.onEvent(listener);
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    try {
      this.child.send({ type: 'shutdown' });
    } catch {
      this.child.kill();
    }
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(t);
  }
}
