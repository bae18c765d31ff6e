/**
 * The engine's handler table: one function per engine method of the contract, taking the
 * method's params as its schema parsed them and answering the method's result. A handler whose
 * params or result do not match the contract does not compile.
 */
import type { EngineMethod, EventName, Events, ParsedParams, Result } from '../../contract/contract';

export type Handler<M extends EngineMethod> = (p: ParsedParams<M>) => Promise<Result<M>> | Result<M>;

/** Every engine method's handler. */
export type Handlers = { [M in EngineMethod]: Handler<M> };

/** The handlers of some methods (one file's share of the table). */
export type HandlersFor<M extends EngineMethod> = { [K in M]: Handler<K> };

/** How a handler file emits the contract's events. */
export type Emit = <E extends EventName>(event: E, data: Events[E]) => void;
