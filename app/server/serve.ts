/**
 * `visage serve` / `visage start` in browser mode: the engine (a child process by default), the
 * loopback HTTP server, exactly one line on stdout with the URL, and the browser opened unless
 * asked not to. Runs until SIGINT/SIGTERM.
 */
import { spawn } from 'node:child_process';
import { ChildProcessEngine, InProcessEngine, type EngineClient } from '../engine/client';
import { startServer, type RunningServer } from './http-server';

export interface ServeOptions {
  dbPath: string;
  port?: number;
  open?: boolean;
  /** Run the engine in this process instead of a child process. */
  inProcess?: boolean;
  rendererDir?: string;
}

export function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '""', url] : [url];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    /* no browser launcher: the printed line is enough */
  }
}

export async function serve(opts: ServeOptions): Promise<{ server: RunningServer; engine: EngineClient; stop: () => Promise<void> }> {
  const engine: EngineClient = opts.inProcess ? new InProcessEngine({ dbPath: opts.dbPath, mode: 'browser' }) : new ChildProcessEngine({ dbPath: opts.dbPath, mode: 'browser' });
  let server: RunningServer;
  try {
    server = await startServer({ engine, port: opts.port, rendererDir: opts.rendererDir });
  } catch (e) {
    await engine.close();
    throw e;
  }
  process.stdout.write(`Visage is running at ${server.url}\n`);
  if (opts.open) openBrowser(server.url);
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await server.close();
      await engine.close();
    })());
  return { server, engine, stop };
}

/**
 * Serve until the process is told to stop; resolves with the exit code. The signal handlers are
 * installed before the URL line is printed: a caller that signals as soon as it reads the line
 * must not meet the default action (killed by the signal, no exit code).
 */
export async function serveUntilStopped(opts: ServeOptions): Promise<number> {
  let signalled!: () => void;
  const stopRequested = new Promise<void>((r) => (signalled = r));
  const onSignal = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    signalled();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let running: Awaited<ReturnType<typeof serve>>;
  try {
    running = await serve(opts);
  } catch (e) {
    onSignal();
    throw e;
  }
  await stopRequested;
  await running.stop();
  return 0;
}
