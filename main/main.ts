/**
 * Electron main process: one window, the engine in a utilityProcess, a single-instance lock.
 * The renderer and the typed IPC surface grow with the desktop-app work (docs/architecture.md).
 */
import { app, BrowserWindow, utilityProcess, type UtilityProcess } from 'electron';
import { join } from 'node:path';

let engine: UtilityProcess | null = null;

function startEngine(): UtilityProcess {
  // The engine is plain Node: in the app it runs isolated from the UI in a utility process.
  const proc = utilityProcess.fork(join(__dirname, '..', 'app', 'engine', 'engine-process.js'), [], {
    serviceName: 'Visage engine',
    stdio: 'inherit',
  });
  proc.on('exit', (code) => {
    if (code !== 0) console.error(`visage: engine process exited with code ${code}`);
    engine = null;
  });
  return proc;
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'Visage',
    webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false },
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  void win.loadFile(join(__dirname, '..', '..', 'renderer', 'index.html'));
  return win;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  void app.whenReady().then(() => {
    engine = startEngine();
    createWindow();
  });
  app.on('window-all-closed', () => {
    engine?.kill();
    if (process.platform !== 'darwin') app.quit();
  });
}
