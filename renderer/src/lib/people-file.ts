/**
 * "Export people" and "Import" in both modes. The desktop app asks main for a native save/open
 * dialog (the path never comes from the renderer); browser mode downloads the file from
 * GET /api/people-file and uploads a chosen file's text to POST /api/people-file (same cookie,
 * same-origin checks as every other request).
 */
import type { PeopleExport, PeopleImport } from '../../../app/contract/contract';
import { api, ApiError } from './api';

/** The largest file the browser uploads (the server refuses more). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** Desktop: the save dialog, then the engine writes the file. Null when the user cancelled. */
export async function exportWithDialog(): Promise<PeopleExport | null> {
  return api().call('shell.exportPeople');
}

/** Desktop: the open dialog, then the engine imports the file. Null when the user cancelled. */
export async function importWithDialog(): Promise<PeopleImport | null> {
  return api().call('shell.importPeople');
}

/** Browser mode: the URL that downloads the people file (an attachment). */
export const EXPORT_URL = '/api/people-file';

/** Browser mode: starts the download of the people file. */
export function downloadPeopleFile(doc: Document = document): void {
  const a = doc.createElement('a');
  a.href = EXPORT_URL;
  a.download = '';
  a.rel = 'noopener';
  doc.body.appendChild(a);
  a.click();
  a.remove();
}

/** Browser mode: uploads a people file the user picked; the engine validates and imports it. */
export async function uploadPeopleFile(file: File): Promise<PeopleImport> {
  if (file.size > MAX_UPLOAD_BYTES) throw new ApiError('bad-request', `${file.name} is too large for a people file`);
  const text = await file.text();
  let res: Response;
  try {
    res = await fetch(EXPORT_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Visage-File-Name': encodeURIComponent(file.name.slice(0, 200)) },
      body: text,
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError('unavailable', `Visage is not reachable: ${(e as Error).message}`);
  }
  let body: { ok?: boolean; result?: PeopleImport; error?: { code: string; message: string } };
  try {
    body = await res.json();
  } catch {
    throw new ApiError('failed', `Visage answered ${res.status}`);
  }
  if (body.ok && body.result) return body.result;
  throw new ApiError(body.error?.code ?? 'failed', body.error?.message ?? `Visage answered ${res.status}`);
}

/** One line about an import, for the toast. */
export function importMessage(r: PeopleImport, what = 'Imported'): string {
  const missing = r.unmatched.length ? `; ${r.unmatched.length} not found in this library` : '';
  if (!r.correction) return `Nothing to import${missing}`;
  const named = r.named?.length ? `; ${r.named.length} ${r.named.length === 1 ? 'person' : 'people'} named` : '';
  const merged = r.merged?.length ? `; ${r.merged.length} merged into ${r.merged.length === 1 ? 'the person' : 'people'} of that name` : '';
  // Tags that disagree within one person: only the tagged faces moved (docs/data-model.md).
  const conflicts = r.conflicts?.length
    ? `; ${r.conflicts.length} ${r.conflicts.length === 1 ? 'person' : 'people'} with conflicting names (${r.conflicts
        .slice(0, 3)
        .map((c) => c.names.join(' / '))
        .join(', ')}): only the named faces moved`
    : '';
  return `${what} ${r.persons} ${r.persons === 1 ? 'person' : 'people'}, ${r.faces} face${r.faces === 1 ? '' : 's'}${named}${merged}${conflicts}${missing}`;
}
