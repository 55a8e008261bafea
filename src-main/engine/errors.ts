/**
 * Errors are values with a kind, a file and a human sentence: the UI shows `message`,
 * logs keep the rest. Every engine module throws only EngineError for expected failures
 * (bad files, missing devices, cancelled jobs) so callers can branch on `kind`.
 */
export type EngineErrorKind =
  | 'empty-file'
  | 'truncated'
  | 'corrupt'
  | 'unsupported-format'
  | 'not-audio'
  | 'too-large'
  | 'not-found'
  | 'permission'
  | 'disk-full'
  | 'device'
  | 'model'
  | 'dataset'
  | 'cancelled'
  | 'invalid-argument'
  | 'forbidden'
  | 'internal';

export class EngineError extends Error {
  readonly kind: EngineErrorKind;
  readonly file: string | undefined;
  override readonly cause: unknown;

  constructor(kind: EngineErrorKind, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(options.file ? `${options.file}: ${message}` : message);
    this.name = 'EngineError';
    this.kind = kind;
    this.file = options.file;
    this.cause = options.cause;
  }

  /** A plain object that survives structured clone (worker messages) and JSON (web mode). */
  toJSON(): SerializedError {
    return { kind: this.kind, message: this.message, ...(this.file ? { file: this.file } : {}) };
  }

  static from(value: unknown, file?: string): EngineError {
    if (value instanceof EngineError) return value;
    if (isSerializedError(value)) return new EngineError(value.kind, stripFile(value.message, value.file), { file: value.file });
    const err = value as NodeJS.ErrnoException | undefined;
    const code = err?.code;
    const text = err?.message ?? String(value);
    if (code === 'ENOENT') return new EngineError('not-found', 'the file does not exist', { file, cause: value });
    if (code === 'EACCES' || code === 'EPERM') return new EngineError('permission', 'permission denied', { file, cause: value });
    if (code === 'ENOSPC' || code === 'SQLITE_FULL') return new EngineError('disk-full', 'the disk is full', { file, cause: value });
    return new EngineError('internal', text, { file, cause: value });
  }
}

export interface SerializedError {
  kind: EngineErrorKind;
  message: string;
  file?: string;
}

function isSerializedError(v: unknown): v is SerializedError {
  return typeof v === 'object' && v !== null && typeof (v as SerializedError).kind === 'string' && typeof (v as SerializedError).message === 'string';
}

function stripFile(message: string, file: string | undefined): string {
  return file && message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}
