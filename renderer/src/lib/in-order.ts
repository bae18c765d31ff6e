/**
 * Runs calls one after another in the order they were made, whatever each one's outcome: the
 * corrections, undo and redo go through it, so Ctrl+Z pressed while a No is still on its way to
 * the engine undoes that No, not the answer before it.
 */
export function sequencer(): <T>(call: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(call: () => Promise<T>): Promise<T> => {
    const next = last.then(call, call);
    last = next.catch(() => undefined);
    return next;
  };
}

/** The one queue the user's corrections, undo and redo share. */
export const inOrder = sequencer();
