/**
 * The people file (people.export to a path or as text, people.import from a path or text: one
 * undoable correction) and XMP (xmp.write sidecars, xmp.read: one undoable correction).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContractError, type ParsedParams, type PeopleExport, type PeopleImport } from '../../contract/contract';
import { exportPeople, importPeople, importXmpRegions, writeXmpSidecars } from '../../interop/import-export';
import { parsePeopleFile, readPeopleFile, serializePeopleFile, writePeopleFile } from '../../interop/people-file';
import type { PeopleApi } from '../../people/api';
import type { PeopleService } from '../../people/people-service';
import type { Store } from '../../store/store';
import type { AnalyzerLoader } from '../analyzer';
import type { JobGuard } from '../jobs';
import { versionOf } from '../version';
import { needPeople } from './people';
import type { Emit, HandlersFor } from './types';

export interface InteropDeps {
  store: Store;
  /** The face engine, to draw again faces drawn by hand that an import brings and this library lacks. */
  analyzer: AnalyzerLoader;
  jobs: JobGuard;
  emit: Emit;
  people: () => PeopleApi | null;
}

export type InteropMethod = 'people.export' | 'people.import' | 'xmp.write' | 'xmp.read';

export function interopHandlers(d: InteropDeps): HandlersFor<InteropMethod> {
  // The import functions work on the people service itself (its correction log).
  const needService = () => needPeople(d.people) as PeopleService;
  return {
    'people.export': (p) => exportPeopleFile(d, p?.path),
    'people.import': (p) => importPeopleFile(d, needService(), p),
    'xmp.write': (p) => {
      needPeople(d.people);
      const personId = p?.personId;
      return writeXmpSidecars(d.store.db, personId === undefined ? {} : { personId });
    },
    'xmp.read': async (): Promise<PeopleImport> => {
      const people = needService();
      d.jobs.refuse('read XMP');
      const r = await importXmpRegions(people, d.store.db, drawerFor(d, people));
      if (r.correction) d.emit('people.changed', { reason: 'correct:import' });
      return r;
    },
  };
}

function exportPeopleFile(d: InteropDeps, file: string | undefined): PeopleExport {
  needPeople(d.people);
  const data = exportPeople(d.store.db, versionOf());
  const summary = { persons: data.persons.length, faces: data.faces.length, corrections: data.corrections.length };
  if (file === undefined) return { file: null, ...summary, text: serializePeopleFile(data) };
  const abs = path.resolve(file);
  try {
    if (fs.statSync(abs).isDirectory()) throw new ContractError('bad-request', `is a folder: ${abs}`);
  } catch (e) {
    if (e instanceof ContractError) throw e;
  }
  try {
    writePeopleFile(abs, data);
  } catch (e) {
    throw new ContractError('failed', `cannot write ${abs}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { file: abs, ...summary };
}

/** Draws a face with the engine's face engine (loaded when the first face is drawn). */
function drawerFor(d: InteropDeps, people: PeopleService) {
  return d.analyzer.drawer(d.store, people.model);
}

async function importPeopleFile(d: InteropDeps, people: PeopleService, p: ParsedParams<'people.import'>): Promise<PeopleImport> {
  d.jobs.refuse('import');
  const data = 'path' in p ? readPeopleFile(path.resolve(p.path)) : parsePeopleFile(p.text);
  const source = 'path' in p ? path.basename(p.path) : p.source;
  const r = await importPeople(people, d.store.db, data, source, drawerFor(d, people));
  if (r.correction) d.emit('people.changed', { reason: 'correct:import' });
  return r;
}
