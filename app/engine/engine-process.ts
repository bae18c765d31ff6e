/**
 * Entry of the engine process (Electron utilityProcess in the app; a child process elsewhere).
 * Answers `status` requests over the parent port; the full request/event contract grows with the
 * library and people features.
 */
import { FaceEngine } from '../pipeline/face-engine';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const port = (process as unknown as { parentPort?: ParentPort }).parentPort;

async function main(): Promise<void> {
  const engine = await FaceEngine.create().catch((e: Error) => e);
  const status = engine instanceof FaceEngine ? { ready: true, ...engine.info } : { ready: false, error: engine.message };
  port?.on('message', (e) => {
    const msg = e.data as { id?: number; type?: string };
    if (msg?.type === 'status') port.postMessage({ id: msg.id, ok: true, result: status });
    else port?.postMessage({ id: msg?.id, ok: false, error: 'unknown request' });
  });
  port?.postMessage({ type: 'event', event: 'ready', status });
}

void main();
