import { errorSentence, type ErrorKind, type Reply } from '../../src-main/contract/errors.ts';
import type { Args, EventName, EventPayload, MethodName, Result } from '../../src-main/contract/methods.ts';

/**
 * The renderer's one client for the contract. In Electron it goes through the preload bridge;
 * in a browser (web mode) through `POST /api/<method>` and the `/events` socket of the local
 * server. Both answer the same Reply, so the rest of the UI never knows which host it is in.
 */

/** Why a call failed: one of the contract's error kinds, or 'unavailable' when the app did not answer at all. */
export type ApiErrorKind = ErrorKind | 'unavailable';

/** A refused call: `kind` for code, `message` is the sentence a person reads, `file` what it is about. */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  readonly file: string | undefined;

  constructor(kind: ApiErrorKind, message: string, file?: string) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.file = file;
  }
}

/** What the transports answer: the contract's Reply, or 'unavailable' when no answer came. */
type TransportReply = Reply | { ok: false; error: { kind: 'unavailable'; message: string; file?: undefined } };

interface Bridge {
  invoke(method: string, args: unknown): Promise<unknown>;
  on(listener: (event: string, payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    onomato?: Bridge;
  }
}

/** Methods whose arguments are all optional may be called without any. */
type ArgsTuple<M extends MethodName> = Record<never, never> extends Args<M> ? [args?: Args<M>] : [args: Args<M>];

type AnyListener = (event: EventName, payload: unknown) => void;

interface Transport {
  invoke(method: string, args: unknown): Promise<TransportReply>;
  subscribe(listener: AnyListener): () => void;
  /** Called after the event channel came back from a drop, when pushed events may have been missed. */
  onReconnect(listener: () => void): () => void;
}

function bridgeTransport(bridge: Bridge): Transport {
  return {
    invoke: async (method, args) => (await bridge.invoke(method, args)) as TransportReply,
    subscribe: (listener) => bridge.on((event, payload) => listener(event as EventName, payload)),
    // IPC events are never dropped while the window lives.
    onReconnect: () => () => undefined,
  };
}

const RECONNECT_MS = [250, 500, 1000, 2000, 4000];

function webTransport(): Transport {
  const listeners = new Set<AnyListener>();
  const reconnected = new Set<() => void>();
  let socket: WebSocket | null = null;
  let failures = 0;
  let openedBefore = false;

  // One socket for the page, opened on the first subscription and reopened whenever the server
  // drops it (restart, sleep), with a short back-off so a dead server is not hammered.
  const connect = () => {
    const url = new URL('/events', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.addEventListener('open', () => {
      failures = 0;
      if (openedBefore) for (const listener of reconnected) listener();
      openedBefore = true;
    });
    socket.addEventListener('message', (message) => {
      let frame: { event?: unknown; payload?: unknown };
      try {
        frame = JSON.parse(String(message.data)) as typeof frame;
      } catch {
        return;
      }
      if (typeof frame.event !== 'string') return;
      for (const listener of listeners) listener(frame.event as EventName, frame.payload);
    });
    socket.addEventListener('close', () => {
      socket = null;
      const delay = RECONNECT_MS[Math.min(failures, RECONNECT_MS.length - 1)];
      failures += 1;
      setTimeout(connect, delay);
    });
  };

  return {
    async invoke(method, args) {
      let response: Response;
      try {
        response = await fetch(`/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(args ?? {}),
        });
      } catch {
        return { ok: false, error: { kind: 'unavailable', message: 'Onomato is not answering. Is the app still running?' } };
      }
      if (!response.ok) {
        const text = await response.text();
        return { ok: false, error: { kind: 'unavailable', message: text.slice(0, 300) || `The app answered ${response.status}.` } };
      }
      return (await response.json()) as TransportReply;
    },
    subscribe(listener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => listeners.delete(listener);
    },
    onReconnect(listener) {
      reconnected.add(listener);
      return () => reconnected.delete(listener);
    },
  };
}

let transport: Transport | null = null;
function current(): Transport {
  transport ??= window.onomato ? bridgeTransport(window.onomato) : webTransport();
  return transport;
}

export const api = {
  /** Calls a contract method; a refused call throws an ApiError carrying the human sentence. */
  async call<M extends MethodName>(method: M, ...rest: ArgsTuple<M>): Promise<Result<M>> {
    const reply = await current().invoke(method, rest[0] ?? {});
    if (!reply.ok) throw new ApiError(reply.error.kind, reply.error.message, reply.error.file);
    return reply.value as Result<M>;
  },

  /** Listens to one event pushed by main; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    return current().subscribe((name, payload) => {
      if (name === event) listener(payload as EventPayload<E>);
    });
  },

  /** Runs after the event channel reconnects, so state kept from events can be fetched afresh. */
  onReconnect(listener: () => void): () => void {
    return current().onReconnect(listener);
  },

  /** True when running inside the Electron shell (native drag, folder dialogs). */
  get native(): boolean {
    return window.onomato !== undefined;
  },
};

/** The sentence to show for any failure, never a stack. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return errorSentence(err);
  if (err instanceof Error) return err.message;
  return String(err);
}
