/** A small real library for tests: 3 photos each of three Johns (people/dlib-johns), linked into a folder and scanned. */
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createPipelineAnalyzer } from '../../app/library/pipeline-analyzer';
import { Scanner } from '../../app/library/scanner';
import { PeopleService } from '../../app/people/people-service';
import type { Store } from '../../app/store/store';
import { PEOPLE, requireDatasets } from './paths';

/** Links the photos under `dir`/photos and scans them into `store` (real models, one thread, no thumbnails). */
export async function scanJohns(store: Store, dir: string): Promise<void> {
  requireDatasets();
  const photos = join(dir, 'photos');
  for (const id of ['John_Salley', 'John_Savage', 'John_Schneider']) {
    mkdirSync(join(photos, id), { recursive: true });
    for (const f of readdirSync(join(PEOPLE, 'dlib-johns', id)).filter((n) => n.endsWith('.jpg')).sort().slice(0, 3)) symlinkSync(join(PEOPLE, 'dlib-johns', id, f), join(photos, id, f));
  }
  const analyzer = await createPipelineAnalyzer({ threads: 1, provider: 'cpu' });
  await new Scanner({ store, analyzer, thumbnails: null }).scan([photos]);
  await analyzer.close?.();
}

/** scanJohns, then the people grouped (the scan's update) and the biggest named 'Kept'. */
export async function scanJohnsAndName(store: Store, dir: string): Promise<{ svc: PeopleService; personId: number }> {
  await scanJohns(store, dir);
  const svc = new PeopleService(store.db);
  svc.update();
  const p = svc.listPeople().sort((a, b) => b.faceCount - a.faceCount)[0]!;
  svc.correct({ kind: 'name', personId: p.id, name: 'Kept' });
  return { svc, personId: p.id };
}
