/**
 * The native menu. Commands the renderer owns (undo/redo of corrections, find, navigation) are
 * sent to it as `menu.command` events. Ctrl/Cmd+Z and Ctrl/Cmd+F are shown but not registered as
 * global accelerators: the renderer handles those keys itself so text fields keep their own undo.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../app/contract/contract';

export function menuTemplate(opts: { platform: NodeJS.Platform; send: (c: MenuCommand) => void; dev: boolean; appName?: string }): MenuItemConstructorOptions[] {
  const mac = opts.platform === 'darwin';
  const send = (c: MenuCommand) => () => opts.send(c);
  const template: MenuItemConstructorOptions[] = [];
  if (mac) template.push({ label: opts.appName ?? 'Visage', submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }] });
  template.push(
    {
      label: '&File',
      submenu: [
        { label: 'Add Folder…', accelerator: 'CmdOrCtrl+O', click: send('add-folder') },
        { label: 'Scan Library', click: send('go-scan') },
        { type: 'separator' },
        { label: 'Settings', accelerator: 'CmdOrCtrl+,', click: send('go-settings') },
        ...(mac ? [] : ([{ type: 'separator' }, { role: 'quit' }] as MenuItemConstructorOptions[])),
      ],
    },
    {
      label: '&Edit',
      submenu: [
        { label: 'Undo Correction', accelerator: 'CmdOrCtrl+Z', registerAccelerator: false, click: send('undo') },
        { label: 'Redo Correction', accelerator: mac ? 'Cmd+Shift+Z' : 'Ctrl+Shift+Z', registerAccelerator: false, click: send('redo') },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
        { type: 'separator' },
        { label: 'Find Person', accelerator: 'CmdOrCtrl+F', registerAccelerator: false, click: send('find') },
      ],
    },
    {
      label: '&View',
      submenu: [
        { label: 'People', accelerator: 'CmdOrCtrl+1', click: send('go-people') },
        { label: 'Unassigned Faces', accelerator: 'CmdOrCtrl+2', click: send('go-unassigned') },
        { label: 'Scan', accelerator: 'CmdOrCtrl+3', click: send('go-scan') },
        { label: 'Learn from My Corrections', accelerator: 'CmdOrCtrl+4', click: send('go-learn') },
        { label: 'Settings', accelerator: 'CmdOrCtrl+5', click: send('go-settings') },
        { label: 'Same Person?', accelerator: 'CmdOrCtrl+6', click: send('go-same-person') },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(opts.dev ? ([{ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
      ],
    },
    { role: 'windowMenu' },
  );
  return template;
}
