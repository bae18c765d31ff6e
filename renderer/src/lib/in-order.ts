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

/**
 * For a screen that asks again whenever people change: of overlapping requests only the last one
 * asked for is applied. A superseded request's promise never settles, so its `.then` and `.catch`
 * do not run (a slow older list cannot replace a newer one on screen).
 */
export function latestOnly(): <T>(request: Promise<T>) => Promise<T> {
  let asked = 0;
  return <T>(request: Promise<T>): Promise<T> => {
    const mine = ++asked;
    const superseded = new Promise<T>(() => undefined);
    return request.then(
      (value) => (mine === asked ? value : superseded),
      (error: unknown) => (mine === asked ? Promise.reject(error) : superseded),
    );
  };
}
