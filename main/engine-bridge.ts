/**
 * The engine in an Electron utilityProcess (never in the main or renderer process), reached over
 * its parent port with the contract's request/reply messages (app/contract/rpc.ts).
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import path from 'node:path';
import { ContractError } from '../app/contract/contract';
import { RpcClient, type EventListener } from '../app/contract/rpc';

export interface EngineBridge {
  call(method: string, params?: unknown): Promise<unknown>;
  onEvent(listener: EventListener): () => void;
  stop(): void;
}

export function engineEntry(): string {
  return path.join(__dirname, '..', 'app', 'engine', 'process.js');
}

export function startEngine(dbPath: string): EngineBridge {
  let proc: UtilityProcess | null = utilityProcess.fork(engineEntry(), ['--db', dbPath, '--mode', 'electron'], {
    serviceName: 'Visage engine',
    stdio: 'inherit',
  });
  const rpc = new RpcClient((m) => {
    if (!proc) throw new ContractError('unavailable', 'the engine is not running');
    proc.postMessage(m);
  });
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  ready.catch(() => undefined);
  proc.on('message', (m: unknown) => {
    const r = m as { ready?: boolean; error?: string } | null;
    if (r && typeof r === 'object' && 'ready' in r) {
      if (r.ready) readyResolve();
      else readyReject(new ContractError('unavailable', r.error ?? 'the engine failed to start'));
      return;
    }
    rpc.handleMessage(m);
  });
  proc.on('exit', (code: number) => {
    if (code !== 0) console.error(`visage: engine process exited with code ${code}`);
    proc = null;
    readyReject(new ContractError('unavailable', `the engine exited (code ${code})`));
    rpc.close(`the engine process exited (code ${code})`);
  });
  return {
    async call(method, params) {
      await ready;
      return rpc.call(method, params);
    },
    onEvent: (l) => rpc.onEvent(l),
    stop() {
      if (!proc) return;
      try {
        proc.postMessage({ type: 'shutdown' });
      } catch {
        proc.kill();
      }
      const p = proc;
      setTimeout(() => p.kill(), 5000).unref?.();
    },
  };
}
