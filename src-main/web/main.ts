import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../engine/engine.ts';
import { dataDirFromArgv, defaultDataDir } from '../engine/paths.ts';
import { webHandlers } from './handlers.ts';
import { startWebServer } from './server.ts';

// `npm run start:web`: the whole app in a browser tab, bound to 127.0.0.1 with a per-launch token.
const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));
if (!existsSync(rendererDir)) {
  console.error('The renderer is not built: run `npx vite build` (npm run start:web does it for you).');
  process.exit(1);
}
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : Number(process.env.ONOMATO_PORT ?? 0);
const engine = await openEngine({ dataDir: dataDirFromArgv(process.argv) ?? defaultDataDir(), mode: 'web' });
const server = await startWebServer({
  handlers: webHandlers(engine),
  events: engine.events,
  rendererDir,
  resolveMedia: (kind, id) => engine.resolveMedia(kind, id),
  port,
});
// Tests read this line to find the server: keep its shape.
console.log(`Onomato is running at ${server.url}`);
console.log(`Data folder: ${engine.paths.root}`);

async function shutdown(): Promise<void> {
  await server.close();
  await engine.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
