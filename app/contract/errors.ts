/**
 * Errors that domain modules throw with a typed code, so that whoever answers a request (the
 * engine host) recognises them by class and code, never by their text. The message is the one
 * the user reads.
 */
import type { ErrorCode } from './contract';

/** What a lookup did not find. */
export type MissingThing = 'photo' | 'face' | 'head' | 'person';

/** A photo, face or learned head that does not exist: answered as `not-found` with this message. */
export class NotFoundError extends Error {
  readonly code: ErrorCode & 'not-found' = 'not-found';
  constructor(
    readonly what: MissingThing,
    message: string,
  ) {
    super(message);
    // The name stays 'Error' (stack traces the CLI prints read as before).
  }
}

/** A request well-formed but wrong for this library (a box outside its photo): answered as `bad-request`. */
export class InvalidRequestError extends Error {
  readonly code: ErrorCode & 'bad-request' = 'bad-request';
}
