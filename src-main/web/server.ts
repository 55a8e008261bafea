import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { pipeline } from 'node:stream';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatch } from '../contract/dispatch.ts';
import type { EventBus } from '../contract/events.ts';
import type { Handlers } from '../contract/methods.ts';
import { CONTENT_SECURITY_POLICY } from '../contract/security.ts';
import { byteRange, mediaHeaders, type MediaFile } from '../engine/media.ts';
import { isWithin } from '../engine/paths.ts';

/**
 * The contract over HTTP + WebSocket on 127.0.0.1, so the real renderer runs in a browser
 * (tests drive it in Chromium). Every request must carry the per-launch token: the first page
 * load brings it in the query string and gets it back as a strict same-site cookie, which the
 * browser then sends with every asset, API call, media request and the event socket.
 *
 * The cookie alone is not enough: a page on another port of 127.0.0.1 is the same site, so the
 * browser sends it along from there too. Every request and the socket must also come from this
 * server's own origin (Origin and Sec-Fetch-Site, which browsers set and pages cannot), and name
 * this server in its Host (a DNS-rebound name reaches 127.0.0.1 with a Host of its own).
 */
export interface WebServerOptions {
  handlers: Handlers;
  events: EventBus;
  rendererDir: string;
  /** Maps a media path (`/media/<kind>/<id>`) to a file the library owns, or null. */
  resolveMedia: (kind: string, id: string) => Promise<MediaFile | null>;
  port?: number;
  token?: string;
  /** The largest API request body (default 80 MiB: a dropped file travels as base64). */
  maxBodyBytes?: number;
}

export interface WebServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};
const MAX_BODY = 80 * 1024 * 1024;
const TEXT = 'text/plain; charset=utf-8';

/** A refusal with its HTTP status, thrown from anywhere in a request's handling. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const tokenBytes = Buffer.from(token);

  const maxBody = options.maxBodyBytes ?? MAX_BODY;
  // Known once listening; no request arrives before.
  let port = 0;
  // One cookie per port: two instances in one browser each keep their own token.
  const tokenCookie = () => `onomato_token_${port}`;

  const carriesToken = (req: IncomingMessage, url: URL): boolean => {
    const offered = url.searchParams.get('token') ?? req.headers['x-onomato-token'] ?? cookie(req, tokenCookie());
    if (typeof offered !== 'string') return false;
    const b = Buffer.from(offered);
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes);
  };

  /** Why a request may not be served, or null: it names this server and comes from its own page or the user. */
  const refusal = (req: IncomingMessage): string | null => {
    const own = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!own.includes(String(req.headers.host ?? '').toLowerCase())) return 'Forbidden: this Onomato server answers only to 127.0.0.1 or localhost on its own port.';
    const origin = req.headers.origin;
    if (origin !== undefined && !own.some((h) => origin.toLowerCase() === `http://${h}`)) return 'Forbidden: requests from other pages are refused.';
    // 'none' is the user opening the address themselves; a page elsewhere gets 'same-site' or 'cross-site'.
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'Forbidden: requests from other pages are refused.';
    return null;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else if (err instanceof HttpError) send(res, err.status, TEXT, err.message);
      else send(res, 500, TEXT, `Internal error: ${(err as Error).message}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const why = refusal(req);
    if (why) return send(res, 403, TEXT, why);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!carriesToken(req, url)) return send(res, 403, TEXT, 'Forbidden: this Onomato server needs its launch token.');
    if (url.searchParams.has('token')) {
      res.setHeader('Set-Cookie', `${tokenCookie()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    if (url.pathname.startsWith('/api/')) return api(req, res, decodePart(url.pathname.slice(5)));
    if (url.pathname.startsWith('/media/')) return media(req, res, url.pathname, url.searchParams.has('download'));
    return staticFile(res, url.pathname);
  }

  async function api(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST') return send(res, 405, TEXT, 'Use POST');
    // A JSON content type cannot be sent cross-origin without a preflight this server never answers.
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, TEXT, 'Send application/json');
    const text = await readBody(req, maxBody);
    let body: unknown;
    try {
      body = text.length ? JSON.parse(text) : {};
    } catch (err) {
      return sendJson(res, 400, { ok: false, error: { kind: 'invalid-argument', message: `The request body is not valid JSON (${(err as Error).message})` } });
    }
    const reply = await dispatch(options.handlers, method, body);
    sendJson(res, 200, reply);
  }

  async function media(req: IncomingMessage, res: ServerResponse, pathname: string, download: boolean): Promise<void> {
    const [, , kind, id] = pathname.split('/');
    const file = kind && id ? await options.resolveMedia(kind, decodePart(id)) : null;
    if (!file) return send(res, 404, TEXT, 'Not a file of this library');
    // The handle was opened and checked by the engine: stream from it, never reopen the path.
    const range = byteRange(file.size, req.headers.range);
    if (range.status === 416) {
      await file.handle.close();
      res.writeHead(416, { 'Content-Range': `bytes */${file.size}` }).end();
      return;
    }
    const headers = mediaHeaders(file, range);
    if (download) headers['Content-Disposition'] = contentDisposition(file.name);
    res.writeHead(range.status, headers);
    if (file.size === 0) {
      await file.handle.close();
      res.end();
      return;
    }
    // pipeline closes the handle however the response ends, a listener going away included.
    pipeline(file.handle.createReadStream({ start: range.start, end: range.end }), res, () => undefined);
  }

  async function staticFile(res: ServerResponse, pathname: string): Promise<void> {
    const relative = normalize(pathname === '/' ? '/index.html' : pathname).replace(/^([/\\])+/, '');
    const full = join(options.rendererDir, relative);
    if (!isWithin(options.rendererDir, full) || full === options.rendererDir) return send(res, 404, TEXT, 'Not found');
    let data: Buffer;
    try {
      data = await readFile(full);
    } catch {
      return send(res, 404, TEXT, 'Not found');
    }
    res.writeHead(200, {
      'Content-Type': MIME[extname(full)] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    res.end(data);
  }

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Browsers always send Origin on a WebSocket upgrade; refusal() insists it is this server's.
    if (url.pathname !== '/events' || refusal(req) !== null || !carriesToken(req, url)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
    });
  });
  const unsubscribe = options.events.onAny((name, payload) => {
    const frame = JSON.stringify({ event: name, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' }).end(body);
}

/** A path segment with its % escapes decoded; a malformed escape is the client's mistake (400). */
function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, 'Bad request: the address has a malformed % escape.');
  }
}

/**
 * RFC 6266 with RFC 5987's `filename*` for the real name in UTF-8, and an ASCII `filename` for
 * clients that know only that (header values must be Latin-1, so the real name cannot go there).
 */
export function contentDisposition(name: string): string {
  const ascii = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/**
 * The request body as text, at most `limit` bytes. A larger one is answered 413: what is left
 * of it is read and dropped, so the client, still sending, gets the answer and not a reset.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () => new HttpError(413, `Payload too large: a request body may be at most ${limit} bytes.`);
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size > limit) return;
      size += c.length;
      if (size <= limit) chunks.push(c);
      else {
        chunks.length = 0;
        reject(tooLarge());
      }
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
