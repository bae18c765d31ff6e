/**
 * A library grouped by a baseline (Immich's dbscan or Ente's linear, app/eval/cluster-algorithms.ts)
 * instead of Visage's re-cluster, so that the simulated user (app/eval/simulated-user.ts) can work
 * it: the baseline's people are written as the machine's assignment, exactly where Visage's
 * re-cluster writes its own (ClusterRepo.reclusterWriter), one new unnamed person per baseline
 * cluster, and the clustering watermark set so that opening the library does not group it again.
 */
import type Database from 'better-sqlite3';
import { thresholdsFor } from '../people/thresholds';
import { ClusterRepo } from '../store/cluster-repo';
import { PeopleRepo } from '../store/people-repo';
import { runAlgorithm, type BaselineParams } from './cluster-algorithms';

export interface BaselineGrouping {
  people: number;
  unassigned: number;
}

export function groupWithBaseline(db: Database.Database, model: string, algorithm: 'dbscan' | 'linear', params: BaselineParams): BaselineGrouping {
  const cluster = new ClusterRepo(db);
  const people = new PeopleRepo(db);
  const faces = cluster.faceColumns(model, () => true);
  const assignment = runAlgorithm(algorithm, faces, thresholdsFor(model), params);
  const ids = new Map<number, number>();
  let unassigned = 0;
  db.transaction(() => {
    const write = cluster.reclusterWriter();
    for (const [faceId, label] of assignment) {
      if (label === null) {
        write.clear(faceId);
        unassigned++;
        continue;
      }
      let person = ids.get(label);
      if (person === undefined) ids.set(label, (person = people.createPerson(null)));
      write.set(faceId, person);
    }
    cluster.dropEmptyMachinePersons();
    if (faces.n > 0) cluster.setWatermark(faces.ids[faces.n - 1]!);
  })();
  return { people: ids.size, unassigned };
}
