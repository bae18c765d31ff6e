/**
 * `visage export` / `visage import` (the people file) and `visage xmp-write` / `visage xmp-read`
 * (MWG face regions in XMP sidecars). Imports are one undoable correction each.
 */
import { cliFaceDrawer } from '../face-drawer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { numberFlag, parseArgs, stringFlag, UsageError, type CliCommand, type ParsedArgs } from '../command';
import { exportPeople, importPeople, importXmpRegions, writeXmpSidecars, type ImportReport } from '../../interop/import-export';
import { peopleServiceFor } from '../people-service';
import { projectRoot } from '../../platform/paths';
import { resolveDbPath } from '../../platform/paths';
import { openStoreForReading } from '../open-store';
import { PeopleFileError, readPeopleFile, writePeopleFile } from '../../interop/people-file';

const appVersion = () => (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;

/** What imported names did to whole people: named, merged, and the people whose tags disagreed. */
function tagLines(r: ImportReport): string {
  const lines = [
    ...r.named.map((n) => `person ${n.personId} is now ${n.name}`),
    ...r.merged.map((m) => `person ${m.personId} merged into ${m.name}${m.intoId === null ? '' : ` (person ${m.intoId})`}`),
    ...r.conflicts.map(
      (c) =>
        `conflict: person ${c.personId}${c.personName ? ` (${c.personName})` : ''} has faces tagged ${c.names.join(', ')}: ` +
        `${c.faceIds.length} tagged face(s) moved to their names, the rest stayed`,
    ),
  ];
  return lines.map((l) => `\n  ${l}`).join('');
}

function out(p: ParsedArgs, v: unknown, human: string): void {
  process.stdout.write(p.flags.has('json') ? `${JSON.stringify(v)}\n` : `${human}\n`);
}

export const commands: CliCommand[] = [
  {
    name: 'export',
    summary: 'export names, faces and corrections to a people file (JSON)',
    usage: 'usage: visage export --db FILE --out FILE.visage-people.json [--json]',
    async run(args) {
      const p = parseArgs(args, { values: { db: 'string', out: 'string' }, booleans: ['json'] });
      const file = stringFlag(p, 'out');
      if (!file) throw new UsageError('--out FILE is required');
      const store = openStoreForReading(resolveDbPath(stringFlag(p, 'db')));
      try {
        const data = exportPeople(store.db, appVersion());
        writePeopleFile(file, data);
        const summary = { file, persons: data.persons.length, faces: data.faces.length, corrections: data.corrections.length };
        out(p, summary, `exported ${summary.persons} people, ${summary.faces} faces, ${summary.corrections} corrections to ${file}`);
        return 0;
      } finally {
        store.close();
      }
    },
  },
  {
    name: 'import',
    summary: 'restore names, faces and decisions from a people file (one undoable step)',
    usage: 'usage: visage import --db FILE --file FILE.visage-people.json [--json]',
    async run(args) {
      const p = parseArgs(args, { values: { db: 'string', file: 'string' }, booleans: ['json'] });
      const file = stringFlag(p, 'file');
      if (!file) throw new UsageError('--file FILE is required');
      let data;
      try {
        data = readPeopleFile(file);
      } catch (e) {
        if (e instanceof PeopleFileError) throw new UsageError(e.message);
        throw e;
      }
      const dbPath = resolveDbPath(stringFlag(p, 'db'));
      const store = openStoreForReading(dbPath, 'visage import');
      try {
        const svc = peopleServiceFor(store.db, dbPath);
        const drawer = cliFaceDrawer(store, svc.model);
        const r = await importPeople(svc, store.db, data, file, drawer.draw).finally(() => drawer.close());
        out(p, r, `imported ${r.persons} people and ${r.faces} face decisions; ${r.unmatched.length} face(s) not found in this library${tagLines(r)}`);
        return 0;
      } finally {
        store.close();
      }
    },
  },
  {
    name: 'xmp-write',
    summary: 'write named faces as MWG regions to XMP sidecars',
    usage: 'usage: visage xmp-write --db FILE [--person ID] [--json]',
    async run(args) {
      const p = parseArgs(args, { values: { db: 'string', person: 'number' }, booleans: ['json'] });
      const store = openStoreForReading(resolveDbPath(stringFlag(p, 'db')));
      try {
        const r = writeXmpSidecars(store.db, { personId: numberFlag(p, 'person') });
        out(p, r, `wrote ${r.regions} named face region(s) to ${r.photos} sidecar(s); ${r.failed.length} failed`);
        return r.failed.length ? 1 : 0;
      } finally {
        store.close();
      }
    },
  },
  {
    name: 'xmp-read',
    summary: 'name people from face regions (MWG, Microsoft) in XMP sidecars or embedded XMP',
    usage: 'usage: visage xmp-read --db FILE [--json]',
    async run(args) {
      const p = parseArgs(args, { values: { db: 'string' }, booleans: ['json'] });
      const dbPath = resolveDbPath(stringFlag(p, 'db'));
      const store = openStoreForReading(dbPath, 'visage xmp-read');
      try {
        const svc = peopleServiceFor(store.db, dbPath);
        const drawer = cliFaceDrawer(store, svc.model);
        const r = await importXmpRegions(svc, store.db, drawer.draw).finally(() => drawer.close());
        out(p, r, `read ${r.faces} named face(s) from ${r.photos} photo(s) into ${r.persons} people; ${r.unmatched.length} region(s) matched no face${tagLines(r)}`);
        return 0;
      } finally {
        store.close();
      }
    },
  },
];
