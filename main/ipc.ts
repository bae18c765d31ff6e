/**
 * The IPC surface between the renderer and main: ONE invoke channel (`visage:call`) carrying
 * contract requests, ONE event channel (`visage:event`) carrying engine events. Every request is
 * checked before anything runs: it must come from our own window's top frame on the `visage://app`
 * origin, name a known method (never the internal media.resolve) and carry params that pass the
 * method's zod schema. Shell methods (native dialogs) are answered here; the rest go to the engine.
 * The people file's paths only ever come from a native dialog shown here (the renderer cannot
 * name a path: people.export/people.import are internal methods).
 */
import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { ContractError, isShellMethod, validateRequest, type EventName } from '../app/contract/contract';

/** Suggested name of an exported people file. */
export function exportFileName(now = new Date()): string {
  return `visage-people-${now.toISOString().slice(0, 10)}.visage-people.json`;
}
import type { EngineBridge } from './engine-bridge';

export const CALL_CHANNEL = 'visage:call';
export const EVENT_CHANNEL = 'visage:event';
export const APP_ORIGIN = 'visage://app';

export interface IpcDeps {
  engine: Pick<EngineBridge, 'call'>;
  window: () => BrowserWindow | null;
}

/** The request comes from our window's main frame, showing our own pages. */
export function trustedSender(e: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, win: BrowserWindow | null): boolean {
  if (!win || win.isDestroyed() || e.sender !== win.webContents) return false;
  const frame = e.senderFrame;
  if (!frame || frame.parent) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  return url.origin === APP_ORIGIN || `${url.protocol}//${url.host}` === APP_ORIGIN;
}

export async function handleCall(deps: IpcDeps, e: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, method: unknown, params: unknown): Promise<unknown> {
  if (!trustedSender(e, deps.window())) throw new ContractError('bad-request', 'request from an unknown sender refused');
  const v = validateRequest(method, params, { allowShell: true, allowInternal: false });
  if (isShellMethod(v.method)) {
    switch (v.method) {
      case 'shell.chooseFolder': {
        const win = deps.window();
        const opts = { title: 'Add a folder to Visage', properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'>, buttonLabel: 'Add folder' };
        const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
        return r.canceled ? null : (r.filePaths[0] ?? null);
      }
      case 'shell.exportPeople': {
        const win = deps.window();
        const opts = {
          title: 'Export people',
          defaultPath: exportFileName(),
          buttonLabel: 'Export',
          filters: [{ name: 'Visage people file', extensions: ['json'] }],
          properties: ['createDirectory', 'showOverwriteConfirmation'] as Array<'createDirectory' | 'showOverwriteConfirmation'>,
        };
        const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
        if (r.canceled || !r.filePath) return null;
        // Validated like any other request (absolute path, no NUL) before the engine writes it.
        const v = validateRequest('people.export', { path: r.filePath }, { allowInternal: true });
        return deps.engine.call(v.method, v.params);
      }
      case 'shell.importPeople': {
        const win = deps.window();
        const opts = {
          title: 'Import people',
          buttonLabel: 'Import',
          filters: [{ name: 'Visage people file', extensions: ['json'] }],
          properties: ['openFile'] as Array<'openFile'>,
        };
        const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
        const file = r.canceled ? undefined : r.filePaths[0];
        if (!file) return null;
        const v = validateRequest('people.import', { path: file }, { allowInternal: true });
        return deps.engine.call(v.method, v.params);
      }
    }
  }
  return deps.engine.call(v.method, v.params);
}

/** Errors cross IPC as "code: message" (Electron keeps only the message). */
function wireError(e: unknown): Error {
  if (e instanceof ContractError) return new Error(`${e.code}: ${e.message}`);
  return new Error(`failed: ${e instanceof Error ? e.message : String(e)}`);
}

export function registerIpc(deps: IpcDeps): () => void {
  ipcMain.handle(CALL_CHANNEL, async (e, method: unknown, params: unknown) => {
    try {
      return await handleCall(deps, e, method, params);
    } catch (err) {
      throw wireError(err);
    }
  });
  return () => ipcMain.removeHandler(CALL_CHANNEL);
}

/** Engine events and menu commands to the renderer. */
export function sendEvent(contents: WebContents | null | undefined, event: EventName, data: unknown): void {
  if (contents && !contents.isDestroyed()) contents.send(EVENT_CHANNEL, event, data);
}
