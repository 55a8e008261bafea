import { errorSentence, isSerializedError, type ErrorKind, type SerializedError } from '../contract/errors.ts';

export type { ErrorKind, SerializedError };

/**
 * Errors are values with a kind, a file and a human sentence (their kinds and serialised form
 * are the contract's, contract/errors.ts). Every engine module throws only EngineError for
 * expected failures (bad files, missing devices, cancelled jobs) so callers can branch on
 * `kind`. `message` names the file for logs and the CLI; `sentence` is the reason alone.
 */
export class EngineError extends Error {
  readonly kind: ErrorKind;
  readonly file: string | undefined;
  readonly sentence: string;
  override readonly cause: unknown;

  constructor(kind: ErrorKind, sentence: string, options: { file?: string; cause?: unknown } = {}) {
    super(errorSentence({ message: sentence, file: options.file }));
    this.name = 'EngineError';
    this.kind = kind;
    this.file = options.file;
    this.sentence = sentence;
    this.cause = options.cause;
  }

  /** A plain object that survives structured clone (worker messages) and JSON (web mode); the file is a field of its own. */
  toJSON(): SerializedError {
    return { kind: this.kind, message: this.sentence, ...(this.file ? { file: this.file } : {}) };
  }

  static from(value: unknown, file?: string): EngineError {
    if (value instanceof EngineError) return value;
    if (isSerializedError(value)) return new EngineError(value.kind, value.message, { file: value.file });
    const err = value as NodeJS.ErrnoException | undefined;
    const code = err?.code;
    const text = err?.message ?? String(value);
    if (code === 'ENOENT') return new EngineError('not-found', 'the file does not exist', { file, cause: value });
    if (code === 'EACCES' || code === 'EPERM') return new EngineError('permission', 'permission denied', { file, cause: value });
    if (code === 'ENOSPC' || code === 'SQLITE_FULL') return new EngineError('disk-full', 'the disk is full', { file, cause: value });
    return new EngineError('internal', text, { file, cause: value });
  }
}
