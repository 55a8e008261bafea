#!/usr/bin/env node
// One step from a fresh checkout to a working install, on Linux, macOS and Windows:
//   node scripts/setup.js          system libraries the app needs + npm ci
//   node scripts/setup.js --test   also what the tests need (Debian's Chromium, sox, espeak-ng, Info-ZIP zip)
// Uses only Node's standard library, since nothing else is installed yet.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forTests = process.argv.includes('--test');
const say = (m) => console.log(`[setup] ${m}`);
const sh = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env }, shell: process.platform === 'win32' });
const has = (cmd) => spawnSync(process.platform === 'win32' ? 'where' : 'which', [cmd], { stdio: 'ignore' }).status === 0;

if (process.platform === 'linux') {
  // naudiodon2 compiles PortAudio against ALSA; the tests drive Debian's Chromium.
  const want = [['libasound2-dev', '/usr/include/alsa/asoundlib.h']];
  if (forTests) want.push(['chromium', '/usr/bin/chromium'], ['sox', '/usr/bin/sox'], ['espeak-ng', '/usr/bin/espeak-ng'], ['zip', '/usr/bin/zip']);
  const missing = want.filter(([, file]) => !existsSync(file)).map(([pkg]) => pkg);
  if (missing.length) {
    if (!has('apt-get')) {
      console.error(`[setup] Please install these system packages first: ${missing.join(' ')}`);
      process.exit(1);
    }
    const asRoot = process.getuid?.() === 0 ? [] : ['sudo'];
    say(`installing ${missing.join(' ')} with apt-get`);
    const apt = (...a) => sh(asRoot[0] ?? 'apt-get', asRoot.length ? ['apt-get', ...a] : a, { DEBIAN_FRONTEND: 'noninteractive' });
    if (apt('install', '-y', '-q', ...missing).status !== 0 && (apt('update', '-q').status !== 0 || apt('install', '-y', '-q', ...missing).status !== 0)) {
      console.error(`[setup] apt-get could not install: ${missing.join(' ')}`);
      process.exit(1);
    }
  }
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const install = existsSync(join(root, 'package-lock.json')) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
// onnxruntime-node fetches its CUDA provider at install where CUDA exists. Where that download
// cannot happen (no CUDA, no internet), install again without it: the CPU provider is bundled.
const noCuda = process.platform === 'darwin' || !has('nvidia-smi');
let r = sh(npm, install, noCuda ? { ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' } : {});
if (r.status !== 0 && !noCuda) {
  say('the install failed; trying again without the CUDA execution provider of onnxruntime (the CPU provider is bundled)');
  r = sh(npm, install, { ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' });
}
if (r.status !== 0) process.exit(r.status ?? 1);
say(forTests ? 'ready: run `npm test`' : 'ready: run `npm start` (or `npm run start:web` for the browser mode)');
