import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { dataPaths, defaultDataDir, ensureDataDirs } from '../engine/paths.ts';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** One `onomato <name>` command; `run` returns the process exit code (0 ok, 1 failures or error). */
export interface CliCommand {
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Wrong arguments: main prints the sentence and the command's usage, and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every command that opens the library understands. */
export const LIBRARY_OPTIONS = {
  db: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export function parse<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Where the library database, the models and the fetched datasets live, from --db / --data-dir (else the user's data folder). */
export function libraryLocation(values: { db?: string; 'data-dir'?: string }): { database: string; models: string; datasets: string } {
  const paths = ensureDataDirs(dataPaths(values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir()));
  return { database: values.db ? resolve(values.db) : paths.database, models: paths.models, datasets: paths.datasets };
}

export function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a whole number of at least 1, not "${value}"`);
  return n;
}

export function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number, not "${value}"`);
  return n;
}

/**
 * Ctrl-C (or a polite kill) cancels the running work instead of killing the process, so what
 * is finished stays recorded. Returns the function that removes the handlers again.
 */
export function cancelOnInterrupt(cancel: () => void): () => void {
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  return () => {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  };
}
