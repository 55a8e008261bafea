// `npm run dist`: package dist/ with electron-builder for the current platform (AppImage + deb on
// Linux, dmg on macOS, nsis on Windows). Extra arguments go to electron-builder, e.g. `-- --linux dir`.
import { spawnSync } from 'node:child_process';

const r = spawnSync('npx', ['electron-builder', '--config', 'electron-builder.yml', ...process.argv.slice(2)], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(r.status ?? 1);
