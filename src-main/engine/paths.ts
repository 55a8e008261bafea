import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { mkdirSync } from 'node:fs';

/**
 * Where Onomato keeps what it owns. Defaults to the platform's user-data folder (the same
 * folder Electron's app.getPath('userData') gives for productName "Onomato"), so the CLI,
 * the web mode and the app share one library. ONOMATO_DATA_DIR or --data-dir override it for
 * tests and portable installs.
 */
export interface DataPaths {
  root: string;
  database: string;
  takes: string;
  exports: string;
  models: string;
  /** Downloaded datasets (VimSketch, QVIM DEV), one folder each; see evaluation/dataset-fetch.ts. */
  datasets: string;
  logs: string;
}

export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ONOMATO_DATA_DIR) return resolve(env.ONOMATO_DATA_DIR);
  const home = homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Onomato');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Onomato');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Onomato');
}

export function dataPaths(root: string = defaultDataDir()): DataPaths {
  const r = resolve(root);
  return {
    root: r,
    database: join(r, 'library.sqlite'),
    takes: join(r, 'takes'),
    exports: join(r, 'exports'),
    models: join(r, 'models'),
    datasets: join(r, 'datasets'),
    logs: join(r, 'logs'),
  };
}

export function ensureDataDirs(paths: DataPaths): DataPaths {
  for (const dir of [paths.root, paths.takes, paths.exports, paths.models, paths.logs]) mkdirSync(dir, { recursive: true });
  return paths;
}

/** Reads `--data-dir <dir>` or `--data-dir=<dir>` from argv, so every entry point accepts the flag. */
export function dataDirFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data-dir') return argv[i + 1];
    if (a.startsWith('--data-dir=')) return a.slice('--data-dir='.length);
  }
  return undefined;
}

/**
 * Whether `child` is `parent` or lies below it, by path alone (resolve real paths first where
 * links matter). A prefix test is not enough: `/sfx-old` does not lie inside `/sfx`.
 */
export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

// Windows refuses these as names whatever their extension (CON.wav is the console).
const RESERVED_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const MAX_NAME_BYTES = 200;

/**
 * A name every file system accepts, changed only where one would refuse it: separators,
 * `: * ? " < > |`, control characters, trailing dots and spaces, and Windows' device names.
 * Letters of any script stay as they are (звук.wav is a name, not `____.wav`). Long names are
 * cut on a character boundary to leave room for what callers append within 255 bytes.
 */
export function safeFileName(name: string, fallback = 'sound'): string {
  let out = name.normalize('NFC').replace(/[/\\:*?"<>|\u0000-\u001f\u007f]/g, '_');
  while (Buffer.byteLength(out) > MAX_NAME_BYTES) out = [...out].slice(0, -1).join('');
  out = out.replace(/[. ]+$/, '');
  if (!out) return fallback;
  return RESERVED_NAME.test(out) ? `_${out}` : out;
}
