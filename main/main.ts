/**
 * Electron main process: one window, the engine in a utilityProcess, the `visage://` protocol for
 * the UI and the media, the typed IPC surface, window state, native menu, a notification when a
 * long scan finishes, and a single-instance lock.
 *
 * Security: contextIsolation + sandbox on, nodeIntegration off, a strict CSP on every page,
 * navigation and new windows blocked, webviews and permission requests refused, every IPC request
 * validated against the contract (main/ipc.ts).
 */
import { app, BrowserWindow, Menu, Notification, screen, session, type WebContents } from 'electron';
import path from 'node:path';
import { defaultDbPath } from '../app/platform/paths';
import type { EventName, MenuCommand } from '../app/contract/contract';
import { startEngine, type EngineBridge } from './engine-bridge';
import { APP_ORIGIN, registerIpc, sendEvent } from './ipc';
import { menuTemplate } from './menu';
import { handleProtocol, registerScheme } from './protocol';
import { loadWindowState, saveWindowState, type WindowState } from './window-state';

/** Scans shorter than this do not notify. */
export const NOTIFY_AFTER_MS = 20_000;

let engine: EngineBridge | null = null;
let win: BrowserWindow | null = null;

export function rendererDir(): string {
  return path.join(__dirname, '..', 'renderer');
}

export function dbPathFromArgs(argv: string[]): string {
  const i = argv.indexOf('--db');
  return i >= 0 && argv[i + 1] ? path.resolve(argv[i + 1]!) : defaultDbPath();
}

/** Blocks navigation away from the app, new windows, webviews. */
export function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (e, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

export function createWindow(): BrowserWindow {
  const stateFile = path.join(app.getPath('userData'), 'window-state.json');
  const state: WindowState = loadWindowState(
    stateFile,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const w = new BrowserWindow({
    x: state.x,
    y: state.y,
    width: state.width,
    height: state.height,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Visage',
    backgroundColor: '#111317',
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
    },
  });
  if (state.maximized) w.maximize();
  hardenContents(w.webContents);
  w.once('ready-to-show', () => w.show());
  const save = () => {
    if (w.isDestroyed()) return;
    const b = w.getNormalBounds();
    saveWindowState(stateFile, { ...b, maximized: w.isMaximized() });
  };
  w.on('close', save);
  void w.loadURL(`${APP_ORIGIN}/index.html`);
  return w;
}

function sendMenu(command: MenuCommand): void {
  sendEvent(win?.webContents, 'menu.command', { command });
}

function onEngineEvent(event: EventName, data: unknown): void {
  sendEvent(win?.webContents, event, data);
  if (event === 'scan.finished') {
    const f = data as { cancelled: boolean; indexed: number; faces: number; errors: number; elapsedMs: number };
    if (!f.cancelled && f.elapsedMs >= NOTIFY_AFTER_MS && Notification.isSupported() && !(win?.isFocused() ?? false)) {
      const n = new Notification({
        title: 'Visage: scan finished',
        body: `${f.indexed.toLocaleString()} new photos, ${f.faces.toLocaleString()} faces${f.errors ? `, ${f.errors} could not be read` : ''}.`,
      });
      n.on('click', () => {
        if (win) {
          if (win.isMinimized()) win.restore();
          win.focus();
        }
      });
      n.show();
    }
  }
}

export function main(): void {
  registerScheme();
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('web-contents-created', (_e, contents) => hardenContents(contents));
  void app.whenReady().then(() => {
    // No permission (camera, geolocation, notifications from pages...) is ever granted to content.
    session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
    engine = startEngine(dbPathFromArgs(process.argv));
    engine.onEvent(onEngineEvent);
    handleProtocol({ rendererDir: rendererDir(), engine });
    registerIpc({ engine, window: () => win });
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ platform: process.platform, send: sendMenu, dev: !app.isPackaged, appName: app.name })));
    win = createWindow();
    win.on('closed', () => (win = null));
    app.on('activate', () => {
      if (!win) win = createWindow();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => engine?.stop());
}

if (!process.env.VITEST) main();
