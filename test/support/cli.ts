import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, where `bin/onomato.js` runs from as a user runs it. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  /** Exit code; null when a signal ended it. */
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  timeoutMs?: number;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** `onomato <args>` in a child process, run to its end; a failing exit is an answer, not an exception. */
export function runOnomato(args: readonly string[], opts: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/onomato.js', ...args], { cwd: repoRoot, env: opts.env, maxBuffer: 32 * 2 ** 20, timeout: opts.timeoutMs ?? 0 }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ status: err ? (typeof code === 'number' ? code : null) : 0, stdout, stderr });
    });
  });
}

/** `onomato <args>` that must succeed: its output, or an error carrying what it printed to stderr. */
export async function onomatoOk(args: readonly string[], opts: CliOptions = {}): Promise<CliRun> {
  const run = await runOnomato(args, opts);
  if (run.status !== 0) throw new Error(`onomato ${args.join(' ')} exited ${run.status}:\n${run.stderr}`);
  return run;
}

/** A running `onomato <args>`, for tests that interrupt or kill it. */
export function spawnOnomato(args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, ['bin/onomato.js', ...args], { cwd: repoRoot, ...opts });
}
