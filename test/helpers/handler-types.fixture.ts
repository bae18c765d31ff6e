/**
 * Compiled (never run) by test/unit/engine-handler-types.test.ts: the engine's handler table
 * accepts handlers that match the contract and rejects the others. Each @ts-expect-error below
 * must be an error, and nothing else may be.
 */
import type { Handler, Handlers, HandlersFor } from '../../app/engine/handlers/types';

export const right: HandlersFor<'people.get' | 'learning.rollback'> = {
  'people.get': (p) => (p.id > 0 ? null : null),
  'learning.rollback': async (p) => {
    const head: string = p.headId;
    throw new Error(head);
  },
};

// @ts-expect-error a result of the wrong type
export const wrongResult: Handler<'people.get'> = () => 42;

// @ts-expect-error an async result of the wrong type
export const wrongAsyncResult: Handler<'people.faceIds'> = async () => ['1'];

export const wrongParams: Handler<'people.faces'> = (p) => {
  // @ts-expect-error params are the parsed schema's (id is a number)
  const id: string = p.id;
  return id ? [] : [];
};

// @ts-expect-error a table without every method
export const missing: Handlers = { ...right };
