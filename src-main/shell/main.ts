import { app, BrowserWindow, dialog, ipcMain, nativeImage, protocol, session, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { dataDirFromArgv, defaultDataDir } from '../engine/paths.ts';
import { openEngine, type Engine } from '../engine/engine.ts';
import { byteRange, mediaHeaders } from '../engine/media.ts';
import { CONTENT_SECURITY_POLICY, MEDIA_SCHEME } from '../contract/security.ts';
import { EVENT_CHANNEL, registerIpc } from './ipc.ts';
import { shellHandlers } from './handlers.ts';
import { externalLink, isAppUrl, permissionAllowed, secureWebPreferences } from './security.ts';

// The Electron shell: window, preload, IPC wiring, native drag, dialogs and the media protocol.
// Everything else is the engine, shared with the CLI and the web mode.

protocol.registerSchemesAsPrivileged([{ scheme: MEDIA_SCHEME, privileges: { stream: true, supportFetchAPI: true, standard: true, secure: true } }]);
app.enableSandbox();

const here = import.meta.dirname;
const rendererIndex = join(here, '..', 'renderer', 'index.html');
const appUrl = pathToFileURL(rendererIndex).href;

let engine: Engine | undefined;
let window: BrowserWindow | undefined;

async function start(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const dataDir = dataDirFromArgv(process.argv) ?? process.env.ONOMATO_DATA_DIR ?? defaultDataDir();
  app.setPath('userData', dataDir);
  await app.whenReady();

  const resourcesDir = app.isPackaged ? join(process.resourcesPath, 'resources') : join(here, '..', '..', 'resources');
  engine = await openEngine({ dataDir, mode: 'electron' });
  const mediaEngine = engine;

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) => {
    callback(permissionAllowed(permission, details as { mediaTypes?: string[] }));
  });
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => permission === 'media');

  protocol.handle(MEDIA_SCHEME, async (request) => {
    const url = new URL(request.url);
    let id: string;
    try {
      id = decodeURIComponent(url.pathname.slice(1));
    } catch {
      return new Response('Bad request: the address has a malformed % escape.', { status: 400 });
    }
    const file = await mediaEngine.resolveMedia(url.hostname, id);
    if (!file) return new Response('Not a file of this library', { status: 404 });
    // The engine opened and checked the file: send from that handle, never from the path again.
    const range = byteRange(file.size, request.headers.get('range'));
    if (range.status === 416 || file.size === 0) await file.handle.close();
    if (range.status === 416) return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${file.size}` } });
    const body = file.size === 0 ? null : (Readable.toWeb(file.handle.createReadStream({ start: range.start, end: range.end })) as ReadableStream<Uint8Array>);
    return new Response(body, { status: range.status, headers: mediaHeaders(file, range) });
  });

  window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Onomato',
    backgroundColor: '#16181d',
    show: false,
    webPreferences: secureWebPreferences(join(here, 'preload.cjs')),
  });
  const contents = window.webContents;
  lockDown(contents);

  const handlers = shellHandlers(engine, {
    pickFolder: async () => {
      const picked = await dialog.showOpenDialog(window!, { properties: ['openDirectory'] });
      return picked.canceled ? null : (picked.filePaths[0] ?? null);
    },
    startDrag: (files) => contents.startDrag({ file: files[0], files, icon: nativeImage.createFromPath(join(resourcesDir, 'drag.png')) }),
  });
  registerIpc(ipcMain, handlers, (event) => event.sender === contents && event.senderFrame === contents.mainFrame && isAppUrl(event.senderFrame.url, appUrl));
  engine.events.onAny((name, payload) => {
    if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, name, payload);
  });

  window.once('ready-to-show', () => window?.show());
  await window.loadFile(rendererIndex);
}

/** No navigation, no new windows, no webviews: the page can only be the app itself. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // The app's own links open in the user's browser, never inside the app; nothing else opens.
    const link = externalLink(url);
    if (link) void shell.openExternal(link);
    return { action: 'deny' };
  });
}

app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => {
  void engine?.close();
});

start().catch((err: unknown) => {
  dialog.showErrorBox('Onomato could not start', err instanceof Error ? err.message : String(err));
  app.exit(1);
});
