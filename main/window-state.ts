/**
 * Window position, size and maximised state, kept in the user-data folder and restored only
 * where it is still visible on a connected display (an unplugged monitor must not hide the window).
 */
import fs from 'node:fs';
import path from 'node:path';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_STATE: WindowState = { width: 1280, height: 820, maximized: false };
const MIN = { width: 800, height: 560 };

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : undefined;
}

export function loadWindowState(file: string, displays: Rect[]): WindowState {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return { ...DEFAULT_STATE };
  }
  const width = Math.max(MIN.width, num(raw.width) ?? DEFAULT_STATE.width);
  const height = Math.max(MIN.height, num(raw.height) ?? DEFAULT_STATE.height);
  const x = num(raw.x);
  const y = num(raw.y);
  const state: WindowState = { width, height, maximized: raw.maximized === true };
  if (x !== undefined && y !== undefined) {
    // At least 100x50 px of the title bar area must be on some display.
    const visible = displays.some((d) => x + width - 100 >= d.x && x + 100 <= d.x + d.width && y >= d.y && y + 50 <= d.y + d.height);
    if (visible) {
      state.x = x;
      state.y = y;
    }
  }
  return state;
}

export function saveWindowState(file: string, s: WindowState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s));
  fs.renameSync(tmp, file);
}
