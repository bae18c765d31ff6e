/**
 * "Draw a face by hand" (faces.add): the face in a box the user drew, analysed by the face engine
 * like a detected face (app/library/drawn-face.ts), stored by one undoable 'add-face' correction
 * (app/people/corrections.ts), announced as people.changed; the answer says who it may be.
 */
import { ContractError, type FaceAdded } from '../../contract/contract';
import { analyseDrawnFace } from '../../library/drawn-face';
import type { PeopleApi } from '../../people/api';
import type { Store } from '../../store/store';
import type { AnalyzerLoader } from '../analyzer';
import { needPeople } from './people';
import type { Emit, HandlersFor } from './types';

export interface FacesDeps {
  store: Store;
  analyzer: AnalyzerLoader;
  emit: Emit;
  people: () => PeopleApi | null;
}

/** People offered for a drawn face with no person given ("Who is this?"). */
const SUGGESTIONS = 5;

export function facesHandlers(d: FacesDeps): HandlersFor<'faces.add'> {
  return {
    'faces.add': async (p): Promise<FaceAdded> => {
      const people = needPeople(d.people);
      if (p.personId !== undefined && !people.getPerson(p.personId)) throw new ContractError('not-found', `no person ${p.personId}`);
      const analyzer = await d.analyzer.get();
      const analyse = analyzer.analyseBox?.bind(analyzer);
      if (!analyse) throw new ContractError('unavailable', 'this face engine cannot analyse a drawn box');
      const face = await analyseDrawnFace(d.store, analyse, p.photoId, p.box, people.model);
      const r = people.correct({ kind: 'add-face', photoId: p.photoId, face, ...(p.personId !== undefined ? { personId: p.personId } : {}) });
      d.emit('people.changed', { reason: 'correct:add-face' });
      const id = r.faceIds![0]!;
      const info = people.face(id);
      if (!info) throw new ContractError('failed', `face ${id} was not stored`);
      return { face: info, suggestions: p.personId === undefined ? people.suggestPeople(id, SUGGESTIONS) : [], correctionId: r.correctionId };
    },
  };
}
