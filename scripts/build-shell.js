// Bundles the Electron main process, its preload and the engine's workers into dist/, and lays
// dist/ out as a self-contained app folder: its own package.json and a node_modules holding only
// the native modules. `npm start` rebuilds those copies for Electron, so the project's own
// node_modules stays built for Node (the CLI and the tests keep working).
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Native modules (and what they load at run time) stay outside the bundle. */
export const NATIVE_MODULES = ['better-sqlite3', 'onnxruntime-node', 'naudiodon2'];

function findWorkers(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? findWorkers(join(dir, e.name)) : e.name.endsWith('.worker.ts') ? [join(dir, e.name)] : [],
  );
}

// Source code starts workers as `new URL('./x.worker.ts', import.meta.url)`; in the bundle every
// worker sits next to main.js as x.worker.js.
const workerUrls = {
  name: 'worker-urls',
  setup(b) {
    b.onLoad({ filter: /src-main[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8').replace(/new URL\('(?:\.\.?\/)+(?:[\w-]+\/)*([\w-]+)\.worker\.ts', import\.meta\.url\)/g, "new URL('./$1.worker.js', import.meta.url)");
      return { contents: text, loader: 'ts' };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['electron', ...NATIVE_MODULES],
  logLevel: 'warning',
  plugins: [workerUrls],
};

rmSync(join(dist, 'shell'), { recursive: true, force: true });
await build({
  ...common,
  format: 'esm',
  outdir: join(dist, 'shell'),
  entryPoints: { main: join(root, 'src-main/shell/main.ts'), ...Object.fromEntries(findWorkers(join(root, 'src-main/engine')).map((w) => [relative(dirname(w), w).replace(/\.ts$/, ''), w])) },
  // Bundled CommonJS dependencies still call require(); give ESM output one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
await build({ ...common, format: 'cjs', outfile: join(dist, 'shell', 'preload.cjs'), entryPoints: [join(root, 'src-main/shell/preload.ts')] });

// The app folder electron-builder packages and `npm start` runs.
function copyModule(name, seen = new Set()) {
  if (seen.has(name)) return;
  seen.add(name);
  // Not require.resolve: packages whose exports hide package.json would refuse it.
  const dir = join(root, 'node_modules', name);
  const target = join(dist, 'node_modules', name);
  const version = (d) => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).version;
  // Keep an up-to-date copy: it may already be rebuilt for Electron by `npm start`.
  if (existsSync(join(target, 'package.json')) && version(target) === version(dir)) return;
  rmSync(join(dist, 'node_modules', '.electron-abi'), { force: true });
  rmSync(target, { recursive: true, force: true });
  cpSync(dir, target, { recursive: true, filter: (src) => !/[\\/](deps|src|test|docs)[\\/]/.test(relative(dir, src) + '/') || src.includes('Release') });
  const deps = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies ?? {};
  for (const dep of Object.keys(deps)) if (existsSync(join(root, 'node_modules', dep))) copyModule(dep, seen);
}
mkdirSync(join(dist, 'node_modules'), { recursive: true });
for (const name of NATIVE_MODULES) copyModule(name);
cpSync(join(root, 'models'), join(dist, 'models'), { recursive: true });
writeFileSync(
  join(dist, 'package.json'),
  JSON.stringify({ name: pkg.name, productName: pkg.productName, version: pkg.version, description: pkg.description, license: pkg.license, type: 'module', main: 'shell/main.js', dependencies: Object.fromEntries(NATIVE_MODULES.map((n) => [n, pkg.dependencies[n]])) }, null, 2),
);
console.log(`Built the Electron app folder in ${relative(root, dist)}/`);
