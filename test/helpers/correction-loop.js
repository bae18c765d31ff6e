// Child process for the kill -9 test: makes corrections in a loop on a library database and
// prints "committed <correctionId>" after each returns. The parent kills it at a random moment.
'use strict';
const path = require('node:path');
const root = path.join(__dirname, '..', '..');
const { Store } = require(path.join(root, 'dist/app/store/store.js'));
const { PeopleService } = require(path.join(root, 'dist/app/people/people-service.js'));
const { projectionSync } = require(path.join(root, 'dist/app/learning/projection.js'));

const store = Store.open(process.argv[2]);
const svc = new PeopleService(store.db, { projections: projectionSync });
const [a, b] = svc.listPeople();
const faces = [...svc.personFaces(a.id), ...svc.personFaces(b.id)].map((f) => f.id);
for (let i = 0; ; i++) {
  const face = faces[i % faces.length];
  const target = i % 3 === 0 ? a.id : b.id;
  const r = i % 7 === 6 ? svc.correct({ kind: 'name', personId: target, name: `N${i}` }) : svc.correct({ kind: 'move', faceIds: [face], personId: target });
  process.stdout.write(`committed ${r.correctionId}\n`);
}
