/**
 * Errors belong to the contract: a kind code can branch on, the sentence a person reads and the
 * file it is about, as separate fields. The engine throws them as EngineError
 * (src-main/engine/errors.ts); worker messages, the job records and every refused call carry
 * them as a SerializedError; the renderer gets the same kinds, typed.
 */
export const ERROR_KINDS = [
  'empty-file',
  'truncated',
  'corrupt',
  'unsupported-format',
  'not-audio',
  'too-large',
  'timed-out',
  'not-found',
  'permission',
  'disk-full',
  'device',
  'model',
  'dataset',
  'cancelled',
  'busy',
  'invalid-argument',
  'forbidden',
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/** An error as it crosses a thread or the contract: `message` is the sentence alone; `file`, when there is one, what it is about. */
export interface SerializedError {
  kind: ErrorKind;
  message: string;
  file?: string;
}

/** What every contract call answers: its value, or the error that refused it. */
export type Reply = { ok: true; value: unknown } | { ok: false; error: SerializedError };

/** The sentence to show or log: the file first, where there is one. */
export function errorSentence(error: { message: string; file?: string }): string {
  return error.file ? `${error.file}: ${error.message}` : error.message;
}

export function isSerializedError(v: unknown): v is SerializedError {
  return typeof v === 'object' && v !== null && typeof (v as SerializedError).kind === 'string' && typeof (v as SerializedError).message === 'string';
}

/**
 * Any thrown value as a SerializedError. The engine throws EngineError, which serialises itself
 * (toJSON); anything else that reaches the contract is a bug, reported as 'internal'.
 */
export function serializeError(err: unknown): SerializedError {
  const json: unknown = typeof (err as { toJSON?: unknown } | null)?.toJSON === 'function' ? (err as { toJSON: () => unknown }).toJSON() : err;
  if (isSerializedError(json) && (ERROR_KINDS as readonly string[]).includes(json.kind)) {
    return { kind: json.kind, message: json.message, ...(json.file ? { file: json.file } : {}) };
  }
  return { kind: 'internal', message: err instanceof Error ? err.message : String(err) };
}
