/**
 * The library's folders and settings (`<db>.settings.json` beside the database):
 * library.state, library.addFolder, library.removeFolder, settings.set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContractError, type Folder, type LibraryState, type ScanState, type Settings } from '../../contract/contract';
import type { PeopleApi } from '../../people/api';
import type { Store } from '../../store/store';
import { minFacePixels, setMinFacePixels } from '../../store/face-visibility';
import type { JobGuard } from '../jobs';
import { readSettings, settingsFileFor, writeSettings, type LibrarySettings } from '../settings-file';
import type { Emit, HandlersFor } from './types';

export interface LibraryDeps {
  dbPath: string;
  store: Store;
  jobs: JobGuard;
  emit: Emit;
  people: () => PeopleApi | null;
  scanState: () => ScanState;
  /**
   * The strictness or the smallest face shown changed (and was saved): the people service is
   * rebuilt with it (its in-memory index holds the faces it clusters).
   */
  strictnessChanged: () => void;
}

export type LibraryMethod = 'library.state' | 'library.addFolder' | 'library.removeFolder' | 'settings.set';

export class Library {
  private readonly settingsFile: string;
  private readonly settings: LibrarySettings;

  constructor(private readonly d: LibraryDeps) {
    this.settingsFile = settingsFileFor(d.dbPath);
    this.settings = readSettings(this.settingsFile);
    if (this.settings.folders.length === 0) this.settings.folders = this.foldersFromScans();
  }

  /** The library folders (absolute paths, sorted). */
  get folders(): readonly string[] {
    return this.settings.folders;
  }

  get strictness(): Settings['strictness'] {
    return this.settings.strictness;
  }

  handlers(): HandlersFor<LibraryMethod> {
    return {
      'library.state': () => this.state(),
      'library.addFolder': (p) => this.addFolder(p.path),
      'library.removeFolder': (p) => this.removeFolder(p.path),
      'settings.set': (p) => this.setSettings(p),
    };
  }

  state(): LibraryState {
    const people = this.d.people();
    return {
      dbPath: this.d.dbPath,
      folders: this.folderStates(),
      photos: this.d.store.photos.count(),
      faces: this.d.store.faces.count(),
      people: people ? people.listPeople({ includeHidden: true }).length : 0,
      errors: this.d.store.errors.all().length,
      scan: this.d.scanState(),
      settings: this.currentSettings(),
      peopleAvailable: people !== null,
      grouping: this.d.jobs.current() === 're-cluster',
    };
  }

  /** The folders of past scans (a library from before folders were saved in its settings). */
  private foldersFromScans(): string[] {
    const set = new Set<string>();
    for (const text of this.d.store.scans.allRoots()) {
      try {
        const roots: unknown = JSON.parse(text);
        if (Array.isArray(roots)) for (const f of roots) if (typeof f === 'string') set.add(f);
      } catch {
        /* ignore a malformed row */
      }
    }
    return [...set].sort();
  }

  private folderStates(): Folder[] {
    return this.settings.folders.map((f) => {
      let available: boolean;
      try {
        available = fs.statSync(f).isDirectory();
      } catch {
        available = false;
      }
      const prefix = f.endsWith(path.sep) ? f : f + path.sep;
      return { path: f, available, photos: this.d.store.photos.countUnder(f, prefix) };
    });
  }

  private addFolder(p: string): LibraryState {
    const abs = path.resolve(p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      throw new ContractError('not-found', `no such folder: ${abs}`);
    }
    if (!st.isDirectory()) throw new ContractError('bad-request', `not a folder: ${abs}`);
    const folders = this.settings.folders;
    if (folders.some((f) => f === abs || abs.startsWith(f + path.sep))) return this.state();
    // A new parent replaces the folders inside it.
    this.settings.folders = [...folders.filter((f) => !f.startsWith(abs + path.sep)), abs].sort();
    writeSettings(this.settingsFile, this.settings);
    return this.state();
  }

  private removeFolder(p: string): LibraryState {
    this.d.jobs.refuse('remove folder');
    const abs = path.resolve(p);
    if (!this.settings.folders.includes(abs)) throw new ContractError('not-found', `not a library folder: ${abs}`);
    this.settings.folders = this.settings.folders.filter((f) => f !== abs);
    writeSettings(this.settingsFile, this.settings);
    // Its photos leave the library (their faces and assignments with them; corrections stay).
    const prefix = abs + path.sep;
    const inOther = (file: string) => this.settings.folders.some((f) => file === f || file.startsWith(f + path.sep));
    const store = this.d.store;
    store.transaction(() => {
      for (const ph of store.photos.under(abs, path.sep)) if (!inOther(ph.path)) store.photos.delete(ph.id);
      for (const e of store.errors.under(abs, path.sep)) if (e.path.startsWith(prefix) && !inOther(e.path)) store.errors.delete(e.id);
    });
    this.d.emit('people.changed', { reason: 'folder-removed' });
    return this.state();
  }

  private currentSettings(): Settings {
    return { strictness: this.settings.strictness, minFacePixels: minFacePixels(this.d.store.db) };
  }

  private setSettings(s: Partial<Settings>): Settings {
    if (s.strictness && s.strictness !== this.settings.strictness) {
      this.d.jobs.refuse('change strictness');
      this.settings.strictness = s.strictness;
      writeSettings(this.settingsFile, this.settings);
      this.d.strictnessChanged();
    }
    // Kept in the database (not the settings file): every people query reads it in SQL
    // (app/store/face-visibility.ts), the command line's included.
    if (s.minFacePixels !== undefined && s.minFacePixels !== minFacePixels(this.d.store.db)) {
      this.d.jobs.refuse('change strictness');
      setMinFacePixels(this.d.store.db, s.minFacePixels);
      this.d.strictnessChanged();
      this.d.emit('people.changed', { reason: 'settings:minFacePixels' });
    }
    return this.currentSettings();
  }
}
