// `npm start`: build the app folder, rebuild its native modules for Electron (only here, never
// in postinstall), and launch Electron on it. Where no Electron binary can be had, say so and
// point at the browser mode.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, shell: process.platform === 'win32', ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

// Resolving the electron package downloads its binary on first use (Electron >= 42).
const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], { cwd: root, encoding: 'utf8', timeout: 300_000 });
const electronBinary = probe.status === 0 ? probe.stdout.trim() : '';
if (!electronBinary || !existsSync(electronBinary)) {
  console.error(
    '\nOnomato could not get an Electron binary on this machine (the download from GitHub failed or is not allowed).\n' +
      'Run the same app in your browser instead:\n\n    npm run start:web\n',
  );
  if (probe.stderr) console.error(probe.stderr.trim().split('\n').slice(-3).join('\n'));
  process.exit(1);
}

run('npx', ['vite', 'build']);
run(process.execPath, ['scripts/build-shell.js']);

const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;
const marker = join(root, 'dist', 'node_modules', '.electron-abi');
if (!existsSync(marker) || readFileSync(marker, 'utf8') !== electronVersion) {
  console.log(`Rebuilding native modules for Electron ${electronVersion}...`);
  run('npx', ['electron-rebuild', '--module-dir', 'dist', '--version', electronVersion, '--only', 'better-sqlite3,naudiodon2']);
  writeFileSync(marker, electronVersion);
}

const child = spawnSync(electronBinary, ['dist', ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(child.status ?? 0);
