import { EngineError } from '../engine/errors.ts';
import { UsageError, type CliCommand, type CliIo } from './command.ts';

/**
 * `onomato <command>`: the same engine as the app, from a terminal. Commands load lazily so that
 * `onomato stats` does not start the inference runtime. Exit codes: 0 ok, 1 failures or an
 * error, 2 wrong usage.
 */
const COMMANDS: Record<string, () => Promise<{ command: CliCommand }>> = {
  embed: () => import('./commands/embed.ts'),
  index: () => import('./commands/index.ts'),
  eval: () => import('./commands/eval.ts'),
  proxy: () => import('./commands/proxy.ts'),
  search: () => import('./commands/search.ts'),
  stats: () => import('./commands/stats.ts'),
  train: () => import('./commands/train.ts'),
  models: () => import('./commands/models.ts'),
  datasets: () => import('./commands/datasets.ts'),
};

async function help(io: CliIo): Promise<void> {
  const lines = ['usage: onomato <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${(await load()).command.summary}`);
  lines.push('', 'Run `onomato <command> --help` for its options.');
  io.stderr.write(`${lines.join('\n')}\n`);
}

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await help(io);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`onomato: unknown command "${name}"\n`);
    await help(io);
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stderr.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`onomato ${name}: ${err.message}\n${command.usage}\n`);
      return 2;
    }
    const e = EngineError.from(err);
    io.stderr.write(`onomato ${name}: ${e.message}\n`);
    if (e.kind === 'internal' && process.env.ONOMATO_DEBUG) io.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

