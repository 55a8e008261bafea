import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from './methods.ts';

/** The one channel main pushes events through; both transports subscribe with `onAny`. */
export class EventBus {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(50);
  }

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    this.#emitter.emit('event', name, payload);
  }

  onAny(listener: (name: EventName, payload: unknown) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }
}
