/**
 * The Electron main process with Electron mocked (the only mock: there is no Electron binary
 * here): window hardening, the single IPC channel and its validation, the visage:// protocol, the
 * engine in a "utility process" (here: a real EngineHost behind a fake port), notifications,
 * menus, window state, the single-instance lock.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EngineHost } from '../../app/engine/host';
import { serveRequests } from '../../app/contract/rpc';
import { FakeAnalyzer, syntheticPhotos, tempDir } from '../e2e/fixtures';

const h = vi.hoisted(() => {
  const state = {
    lock: true,
    windows: [] as Array<Record<string, unknown>>,
    handlers: new Map<string, (...a: unknown[]) => unknown>(),
    schemes: [] as unknown[],
    protocolHandlers: new Map<string, (req: Request) => Promise<Response>>(),
    forks: [] as Array<{ modulePath: string; args: string[]; opts: unknown; proc: unknown }>,
    appEvents: new Map<string, (...a: unknown[]) => void>(),
    quit: 0,
    menu: null as unknown,
    notifications: [] as Array<{ opts: { title: string; body: string }; shown: boolean }>,
    permissionHandler: null as null | ((wc: unknown, p: string, cb: (ok: boolean) => void) => void),
    dialogPath: '/tmp',
    /** The file the save dialog answers (null: cancelled) and the file the open-file dialog answers. */
    savePath: null as string | null,
    openFilePath: null as string | null,
    dialogs: [] as Array<{ kind: 'open' | 'save'; opts: Record<string, unknown> }>,
    userData: '',
    onFork: null as null | ((modulePath: string, args: string[]) => unknown),
  };
  return state;
});

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  class FakeWebContents extends EventEmitter {
    sent: unknown[][] = [];
    openHandler: ((d: { url: string }) => { action: string }) | null = null;
    setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
      this.openHandler = fn;
    }
    send(...a: unknown[]) {
      this.sent.push(a);
    }
    isDestroyed() {
      return false;
    }
  }
  class BrowserWindow extends EventEmitter {
    webContents = new FakeWebContents();
    url = '';
    focused = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      h.windows.push(this as unknown as Record<string, unknown>);
    }
    loadURL(u: string) {
      this.url = u;
      return Promise.resolve();
    }
    isDestroyed() {
      return false;
    }
    isFocused() {
      return this.focused;
    }
    isMinimized() {
      return false;
    }
    isMaximized() {
      return false;
    }
    maximize() {}
    restore() {}
    focus() {}
    show() {}
    getNormalBounds() {
      return { x: 10, y: 20, width: 1000, height: 700 };
    }
    static getAllWindows() {
      return h.windows;
    }
  }
  class Notification extends EventEmitter {
    rec: { opts: { title: string; body: string }; shown: boolean };
    constructor(opts: { title: string; body: string }) {
      super();
      this.rec = { opts, shown: false };
      h.notifications.push(this.rec);
    }
    show() {
      this.rec.shown = true;
    }
    static isSupported() {
      return true;
    }
  }
  const app = {
    requestSingleInstanceLock: () => h.lock,
    quit: () => void h.quit++,
    on: (ev: string, fn: (...a: unknown[]) => void) => h.appEvents.set(ev, fn),
    whenReady: () => Promise.resolve(),
    getPath: () => h.userData,
    isPackaged: false,
    name: 'Visage',
  };
  return {
    app,
    BrowserWindow,
    Notification,
    ipcMain: {
      handle: (ch: string, fn: (...a: unknown[]) => unknown) => h.handlers.set(ch, fn),
      removeHandler: (ch: string) => h.handlers.delete(ch),
    },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => h.schemes.push(...s),
      handle: (scheme: string, fn: (req: Request) => Promise<Response>) => h.protocolHandlers.set(scheme, fn),
    },
    utilityProcess: {
      fork: (modulePath: string, args: string[], opts: unknown) => {
        const proc = h.onFork!(modulePath, args);
        h.forks.push({ modulePath, args, opts, proc });
        return proc;
      },
    },
    dialog: {
      showOpenDialog: async (...a: unknown[]) => {
        const opts = a.at(-1) as { properties?: string[] };
        h.dialogs.push({ kind: 'open', opts });
        if (opts.properties?.includes('openFile')) return h.openFilePath ? { canceled: false, filePaths: [h.openFilePath] } : { canceled: true, filePaths: [] };
        return { canceled: false, filePaths: [h.dialogPath] };
      },
      showSaveDialog: async (...a: unknown[]) => {
        h.dialogs.push({ kind: 'save', opts: a.at(-1) as Record<string, unknown> });
        return h.savePath ? { canceled: false, filePath: h.savePath } : { canceled: true, filePath: '' };
      },
    },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => (h.menu = m) },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: { defaultSession: { setPermissionRequestHandler: (fn: typeof h.permissionHandler) => (h.permissionHandler = fn) } },
  };
});

/** The utility process: a real EngineHost behind a message port, like app/engine/process.ts. */
class FakeUtilityProcess extends EventEmitter {
  host: EngineHost;
  constructor(args: string[]) {
    super();
    const db = args[args.indexOf('--db') + 1]!;
    this.host = new EngineHost({ dbPath: db, mode: 'electron', createAnalyzer: async () => new FakeAnalyzer() });
    const srv = serveRequests((m) => setImmediate(() => this.emit('message', structuredClone(m))), (method, params) => this.host.handle(method, params));
    this.host.on('event', (e, d) => srv.postEvent(e, d));
    this.onMessage = srv.onMessage;
    setImmediate(() => this.emit('message', { ready: true }));
  }
  onMessage: (m: unknown) => void;
  postMessage(m: unknown) {
    if ((m as { type?: string }).type === 'shutdown') return;
    setImmediate(() => this.onMessage(structuredClone(m)));
  }
  kill() {
    return true;
  }
}

let dir: string;
let lib: string;
let mainMod: typeof import('../../main/main');
let win: Record<string, unknown> & { webContents: EventEmitter & { sent: unknown[][]; openHandler: (d: { url: string }) => { action: string } }; options: { webPreferences: Record<string, unknown> }; url: string; focused: boolean };

beforeAll(async () => {
  dir = tempDir('visage-electron-');
  lib = path.join(dir, 'Pictures');
  await syntheticPhotos(lib, 2);
  process.env.VISAGE_DATA_DIR = path.join(dir, 'data');
  h.userData = path.join(dir, 'userData');
  h.dialogPath = lib;
  h.onFork = (_m, args) => new FakeUtilityProcess(args);
  mainMod = await import('../../main/main');
  mainMod.main();
  // main() opens the window and registers the IPC handlers once the (fake) app is ready.
  win = (await vi.waitFor(
    () => {
      if (!h.windows[0] || !h.handlers.get('visage:call')) throw new Error('the window and the IPC handlers are not there yet');
      return h.windows[0];
    },
    { timeout: 10_000, interval: 5 },
  )) as typeof win;
});

afterAll(async () => {
  for (const f of h.forks) await (f.proc as FakeUtilityProcess).host.close();
  delete process.env.VISAGE_DATA_DIR;
  fs.rmSync(dir, { recursive: true, force: true });
});

const trusted = () => ({ sender: win.webContents, senderFrame: { url: 'visage://app/index.html', parent: null } });
async function call(method: unknown, params?: unknown, e: unknown = trusted()) {
  return h.handlers.get('visage:call')!(e, method, params);
}

describe('electron main: process layout and window hardening', () => {
  it('runs the engine in a utility process on the default library', () => {
    expect(h.forks).toHaveLength(1);
    expect(h.forks[0]!.modulePath.replace(/\\/g, '/')).toMatch(/app\/engine\/process\.js$/);
    expect(h.forks[0]!.args).toEqual(['--db', path.join(dir, 'data', 'visage.db'), '--mode', 'electron']);
  });

  it('opens one isolated, sandboxed window on the visage:// origin', () => {
    expect(h.windows).toHaveLength(1);
    const wp = win.options.webPreferences;
    expect(wp.contextIsolation).toBe(true);
    expect(wp.sandbox).toBe(true);
    expect(wp.nodeIntegration).toBe(false);
    expect(wp.webviewTag).toBe(false);
    expect(String(wp.preload)).toMatch(/preload\.js$/);
    expect(win.url).toBe('visage://app/index.html');
    expect(h.schemes).toEqual([{ scheme: 'visage', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
  });

  it('blocks navigation away, new windows, webviews and permission requests', () => {
    const nav = (url: string) => {
      let prevented = false;
      win.webContents.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(nav('https://evil.example/')).toBe(true);
    expect(nav('file:///etc/passwd')).toBe(true);
    expect(nav('visage://app.evil/')).toBe(true);
    expect(nav('visage://app/index.html#/people')).toBe(false);
    expect(win.webContents.openHandler({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    let webview = false;
    win.webContents.emit('will-attach-webview', { preventDefault: () => (webview = true) });
    expect(webview).toBe(true);
    let granted: boolean | null = null;
    h.permissionHandler!(win.webContents, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
  });

  it('takes the single-instance lock and focuses the first window on a second launch', () => {
    expect(h.appEvents.has('second-instance')).toBe(true);
    h.lock = false;
    const before = h.windows.length;
    mainMod.main();
    expect(h.quit).toBe(1);
    expect(h.windows.length).toBe(before);
    h.lock = true;
  });
});

describe('electron main: the IPC surface', () => {
  it('answers contract calls from the app window through the engine', async () => {
    const state = (await call('library.state')) as { dbPath: string; folders: unknown[] };
    expect(state.dbPath).toBe(path.join(dir, 'data', 'visage.db'));
    expect(state.folders).toEqual([]);
  });

  it('refuses calls from other senders, subframes and foreign origins', async () => {
    const other = { sender: new EventEmitter(), senderFrame: { url: 'visage://app/index.html', parent: null } };
    await expect(call('library.state', undefined, other)).rejects.toThrow(/bad-request: request from an unknown sender/);
    await expect(call('library.state', undefined, { sender: win.webContents, senderFrame: { url: 'visage://app/x', parent: {} } })).rejects.toThrow(/unknown sender/);
    await expect(call('library.state', undefined, { sender: win.webContents, senderFrame: { url: 'https://evil.example/', parent: null } })).rejects.toThrow(/unknown sender/);
    await expect(call('library.state', undefined, { sender: win.webContents, senderFrame: null })).rejects.toThrow(/unknown sender/);
  });

  it('validates every argument against the contract', async () => {
    await expect(call('people.get', { id: '1; DROP TABLE persons' })).rejects.toThrow(/^bad-request: /);
    await expect(call('library.addFolder', { path: '../../etc' })).rejects.toThrow(/^bad-request: /);
    await expect(call('people.correct', { kind: 'merge', targetId: 1, sourceIds: [] })).rejects.toThrow(/^bad-request: /);
    await expect(call('no.such.method')).rejects.toThrow(/^unknown-method: /);
    await expect(call({ toString: () => 'library.state' })).rejects.toThrow(/^bad-request: /);
    await expect(call('media.resolve', { kind: 'photo', id: 1 })).rejects.toThrow(/^unknown-method: /);
  });

  it('answers shell.chooseFolder with the native dialog, then the folder can be added and scanned', async () => {
    const chosen = (await call('shell.chooseFolder')) as string;
    expect(chosen).toBe(lib);
    await call('library.addFolder', { path: chosen });
    const finished = new Promise<void>((resolve) => {
      const check = () => (win.webContents.sent.some((s) => s[0] === 'visage:event' && s[1] === 'scan.finished') ? resolve() : setTimeout(check, 20));
      check();
    });
    await call('scan.start');
    await finished;
    // Engine events reach the renderer on the one event channel.
    const names = new Set(win.webContents.sent.filter((s) => s[0] === 'visage:event').map((s) => s[1]));
    expect(names.has('scan.progress')).toBe(true);
    expect(names.has('people.changed')).toBe(true);
    const state = (await call('library.state')) as { photos: number };
    expect(state.photos).toBe(2);
  });

  it('exports and imports the people file through native dialogs only (the renderer never names a path)', async () => {
    const faces = (await call('people.unassigned')) as { id: number }[];
    const listed = (await call('people.list')) as { id: number }[];
    const all = [...faces.map((f) => f.id)];
    for (const p of listed) all.push(...((await call('people.faces', { id: p.id })) as { id: number }[]).map((f) => f.id));
    await call('people.correct', { kind: 'split', faceIds: all, name: 'Ada' });
    // Cancelled dialogs do nothing.
    h.savePath = null;
    expect(await call('shell.exportPeople')).toBeNull();
    h.openFilePath = null;
    expect(await call('shell.importPeople')).toBeNull();
    const file = path.join(dir, 'exports', 'people.visage-people.json');
    h.savePath = file;
    const exported = (await call('shell.exportPeople')) as { file: string; persons: number; faces: number };
    expect(exported).toMatchObject({ file, persons: 1, faces: 2 });
    const save = h.dialogs.filter((d) => d.kind === 'save').at(-1)!.opts;
    expect(save.defaultPath).toMatch(/^visage-people-\d{4}-\d\d-\d\d\.visage-people\.json$/);
    const { readPeopleFile } = await import('../../app/interop/people-file');
    expect(readPeopleFile(file).persons.map((p) => p.name)).toEqual(['Ada']);
    // The same file back in: one undoable correction.
    await call('people.correct', { kind: 'name', personId: ((await call('people.list')) as { id: number }[])[0]!.id, name: null });
    h.openFilePath = file;
    const imported = (await call('shell.importPeople')) as { persons: number; faces: number; correction: unknown };
    expect(imported.faces).toBe(2);
    expect(imported.correction).not.toBeNull();
    expect(((await call('people.list')) as { name: string | null }[]).map((p) => p.name)).toContain('Ada');
    expect(((await call('people.history', { limit: 1 })) as { kind: string }[])[0]!.kind).toBe('import');
    // The path-taking methods are the hosts' own: refused from the renderer.
    await expect(call('people.export', { path: file })).rejects.toThrow(/^unknown-method: /);
    await expect(call('people.import', { path: file })).rejects.toThrow(/^unknown-method: /);
    await expect(call('shell.exportPeople', { path: '/etc/passwd' })).rejects.toThrow(/^bad-request: /);
  });
});

describe('electron main: the visage:// protocol', () => {
  const get = (url: string) => h.protocolHandlers.get('visage')!(new Request(url));

  it('serves the renderer with the CSP and the media of the library', async () => {
    const page = await get('visage://app/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const photo = await get('visage://app/media/photo/1');
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    expect((await get('visage://app/media/face/1.jpg')).status).toBe(200);
  });

  it('refuses traversal, other hosts and unknown media', async () => {
    for (const u of [
      'visage://app/media/photo/1/../../../../etc/passwd',
      'visage://app/%2e%2e/%2e%2e/etc/passwd',
      'visage://app/..%2f..%2fpackage.json',
      'visage://app/media/photo/..%2f..%2fetc%2fpasswd',
      'visage://app/media/photo/424242',
      'visage://app/media/anything/1',
      'visage://evil/index.html',
      'visage://app/../../package.json',
    ]) {
      const r = await get(u);
      expect([400, 403, 404], u).toContain(r.status);
      const body = await r.text();
      expect(body, u).not.toContain('root:');
      expect(body, u).not.toContain('"name": "visage"');
    }
  });
});

describe('electron main: notifications, menu, window state', () => {
  it('notifies when a long scan finishes while the window is in the background', async () => {
    const proc = h.forks[0]!.proc as FakeUtilityProcess;
    win.focused = true;
    proc.emit('message', { event: 'scan.finished', data: { cancelled: false, indexed: 5, faces: 9, errors: 0, elapsedMs: 60_000, found: 5 } });
    win.focused = false;
    proc.emit('message', { event: 'scan.finished', data: { cancelled: false, indexed: 5, faces: 9, errors: 0, elapsedMs: 1_000, found: 5 } });
    expect(h.notifications).toHaveLength(0);
    proc.emit('message', { event: 'scan.finished', data: { cancelled: false, indexed: 1200, faces: 3400, errors: 2, elapsedMs: 60_000, found: 1202 } });
    expect(h.notifications).toHaveLength(1);
    expect(h.notifications[0]!.shown).toBe(true);
    expect(h.notifications[0]!.opts.body).toContain('1,200 new photos');
  });

  it('builds menus with shortcuts that reach the renderer', () => {
    type Item = { label?: string; accelerator?: string; registerAccelerator?: boolean; click?: () => void; submenu?: Item[]; role?: string };
    const menu = h.menu as Item[];
    const items = menu.flatMap((m) => m.submenu ?? []);
    const byLabel = (l: string) => items.find((i) => i.label === l)!;
    expect(byLabel('Add Folder…').accelerator).toBe('CmdOrCtrl+O');
    expect(byLabel('Undo Correction').accelerator).toBe('CmdOrCtrl+Z');
    expect(byLabel('Undo Correction').registerAccelerator).toBe(false);
    expect(byLabel('People').accelerator).toBe('CmdOrCtrl+1');
    byLabel('Undo Correction').click!();
    expect(win.webContents.sent.at(-1)).toEqual(['visage:event', 'menu.command', { command: 'undo' }]);
    expect(byLabel('Same Person?').accelerator).toBe('CmdOrCtrl+6');
    byLabel('Same Person?').click!();
    expect(win.webContents.sent.at(-1)).toEqual(['visage:event', 'menu.command', { command: 'go-same-person' }]);
    const accels = items.map((i) => i.accelerator).filter(Boolean);
    expect(new Set(accels).size).toBe(accels.length);
  });

  it('saves the window state and restores it only where a display shows it', async () => {
    const { loadWindowState, saveWindowState } = await import('../../main/window-state');
    const f = path.join(dir, 'ws.json');
    const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    saveWindowState(f, { x: 100, y: 80, width: 1100, height: 700, maximized: true });
    expect(loadWindowState(f, displays)).toEqual({ x: 100, y: 80, width: 1100, height: 700, maximized: true });
    saveWindowState(f, { x: 5000, y: 3000, width: 1100, height: 700, maximized: false });
    expect(loadWindowState(f, displays)).toEqual({ width: 1100, height: 700, maximized: false });
    fs.writeFileSync(f, '{garbage');
    expect(loadWindowState(f, displays)).toEqual({ width: 1280, height: 820, maximized: false });
    fs.writeFileSync(f, JSON.stringify({ width: 10, height: 'x' }));
    expect(loadWindowState(f, displays)).toEqual({ width: 800, height: 820, maximized: false });
    (win as unknown as EventEmitter).emit('close');
    expect(JSON.parse(fs.readFileSync(path.join(h.userData, 'window-state.json'), 'utf8'))).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: false });
  });
});

describe('electron preload', () => {
  it('imports nothing but electron at run time (a sandboxed preload can require nothing else)', () => {
    const src = fs.readFileSync(path.join(__dirname, '..', '..', 'main', 'preload.ts'), 'utf8');
    const imports = [...src.matchAll(/^import\s+(type\s+)?.*?from\s+'([^']+)';/gm)].filter((m) => !m[1]).map((m) => m[2]);
    expect(imports).toEqual(['electron']);
    expect(src).not.toMatch(/require\(/);
    expect(src).toContain("contextBridge.exposeInMainWorld('visage'");
  });
});
