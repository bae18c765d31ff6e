/**
 * The preload (sandboxed, context-isolated): exposes `window.visage`, the renderer's whole view of
 * the app: `call(method, params)` over one invoke channel and `on(event, listener)`. Validation
 * happens in main (main/ipc.ts). A sandboxed preload can only require 'electron', so this file
 * imports nothing else at run time (types only).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { EventName } from '../app/contract/contract';

const CALL_CHANNEL = 'visage:call';
const EVENT_CHANNEL = 'visage:event';

const api = {
  mode: 'electron' as const,
  call(method: string, params?: unknown): Promise<unknown> {
    if (typeof method !== 'string') return Promise.reject(new Error('bad-request: method must be a string'));
    return ipcRenderer.invoke(CALL_CHANNEL, method, params);
  },
  on(event: EventName, listener: (data: unknown) => void): () => void {
    if (typeof event !== 'string' || typeof listener !== 'function') throw new Error('bad-request: on(event, listener)');
    const handler = (_e: IpcRendererEvent, name: string, data: unknown) => {
      if (name === event) listener(data);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('visage', api);
