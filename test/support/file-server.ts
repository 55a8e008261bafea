import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A download server on 127.0.0.1 for tests: serves files with an ETag and HTTP Range (206, If-Range,
 * 416), redirects `/redirect/<path>` to `<path>` (and `/loop` to itself), and can misbehave on
 * purpose: drop the connection part-way through a file, or serve a file that changed (replace its
 * entry in `files`).
 */
export interface ServedFile {
  body: Uint8Array;
  /** Close the socket after this many bytes of the body, on the next `dropTimes` requests. */
  dropAfter?: number;
  dropTimes?: number;
  /** Leave out ETag and Last-Modified, as some servers do. */
  noValidators?: boolean;
  /** Send the body 16 KiB at a time with this pause between pieces, like a slow link. */
  chunkDelayMs?: number;
}

export interface FileServer {
  url(path: string): string;
  files: Map<string, ServedFile>;
  requests: Array<{ path: string; headers: IncomingHttpHeaders; status: number; sent: number }>;
  close(): Promise<void>;
}

export async function startFileServer(initial: Record<string, ServedFile> = {}): Promise<FileServer> {
  const files = new Map(Object.entries(initial));
  const requests: FileServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const log = { path, headers: req.headers, status: 0, sent: 0 };
    requests.push(log);
    if (path.startsWith('/redirect/') || path === '/loop') {
      log.status = 302;
      res.writeHead(302, { location: path === '/loop' ? '/loop' : path.slice('/redirect'.length) });
      res.end();
      return;
    }
    const file = files.get(path);
    if (!file) {
      log.status = 404;
      res.writeHead(404);
      res.end();
      return;
    }
    const { body } = file;
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    const validators: Record<string, string> = file.noValidators ? {} : { etag, 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' };
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    const ifRange = req.headers['if-range'];
    if (range && (ifRange === undefined || ifRange === etag)) {
      start = Number(range[1]);
      if (start >= body.length) {
        log.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${body.length}` });
        res.end();
        return;
      }
      status = 206;
    }
    const rest = body.subarray(start);
    log.status = status;
    res.writeHead(status, {
      'content-length': rest.length,
      'accept-ranges': 'bytes',
      ...validators,
      ...(status === 206 ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (file.dropAfter !== undefined && (file.dropTimes ?? 1) > 0 && start < file.dropAfter) {
      file.dropTimes = (file.dropTimes ?? 1) - 1;
      const upTo = file.dropAfter - start;
      log.sent = upTo;
      // A graceful close after the bytes: the client gets every byte sent and then a response cut short
      // of its Content-Length (a reset could discard bytes already in flight, making the cut land anywhere).
      res.write(rest.subarray(0, upTo), () => res.socket?.end());
      return;
    }
    log.sent = rest.length;
    if (file.chunkDelayMs) {
      let at = 0;
      const next = () => {
        if (res.destroyed) return;
        if (at >= rest.length) { res.end(); return; }
        res.write(rest.subarray(at, at + 16_384));
        at += 16_384;
        setTimeout(next, file.chunkDelayMs);
      };
      next();
      return;
    }
    res.end(rest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path) => `${base}${path}`,
    files,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
