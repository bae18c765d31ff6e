/**
 * Entry of the engine process: an Electron utilityProcess in the desktop app (messages on
 * `process.parentPort`), a Node child process in browser mode (`process.send`). It hosts the
 * engine (app/engine/host.ts) over one library database and speaks the contract of
 * app/contract: `{ id, method, params }` in, `{ id, ok, result | error }` and `{ event, data }` out.
 *
 *   process.js --db FILE [--mode electron|browser]
 */
import type { EventName } from '../contract/contract';
import { serveRequests } from '../contract/rpc';
import { electronSqliteBinding } from '../platform/native-modules';
import { setSqliteNativeBinding } from '../store/database';
import { EngineHost } from './host';
import { recoverable, RecoveryHost } from './recovery';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  let post: (msg: unknown) => void;
  let listen: (fn: (msg: unknown) => void) => void;
  if (parentPort) {
    post = (m) => parentPort.postMessage(m);
    listen = (fn) => parentPort.on('message', (e) => fn(e.data));
  } else if (process.send) {
    post = (m) => process.send!(m);
    listen = (fn) => process.on('message', fn);
  } else {
    process.stderr.write('visage engine process: no parent port (run it from Visage, not by hand)\n');
    process.exit(2);
  }
  const dbPath = arg('db');
  if (!dbPath) {
    post({ event: 'engine.fatal', data: { message: 'no --db given' } });
    process.exit(2);
  }
  const mode = arg('mode') === 'electron' ? 'electron' : 'browser';
  setSqliteNativeBinding(electronSqliteBinding());
  const server = serveRequests(post, (method, params) => host.handle(method, params));
  const onEvent = (event: EventName, data: unknown) => server.postEvent(event, data);
  const open = (): EngineHost => {
    const h = new EngineHost({ dbPath, mode });
    h.on('event', onEvent);
    return h;
  };
  // A damaged library, or one from a newer Visage: recovery mode (./recovery.ts) answers why and
  // offers the backups; a restore opens the library in this same process.
  let host: EngineHost | RecoveryHost;
  try {
    host = open();
  } catch (e) {
    if (!recoverable(e)) {
      post({ ready: false, error: (e as Error).message });
      process.exit(1);
    }
    host = new RecoveryHost(dbPath, e, () => {
      host = open();
      host.warmUp();
    });
  }
  listen((msg) => {
    if ((msg as { type?: string } | null)?.type === 'shutdown') {
      void host.close().then(() => process.exit(0));
      return;
    }
    server.onMessage(msg);
  });
  host.warmUp();
  post({ ready: true });
  // When the parent goes away, finish cleanly (the scan stays resumable).
  process.on('disconnect', () => void host.close().then(() => process.exit(0)));
}

main();
