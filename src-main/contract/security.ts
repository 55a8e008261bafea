/**
 * One Content-Security-Policy for the renderer in both hosts: scripts and styles only from the
 * app itself (no inline code, no eval), media only from the app or the library's media protocol,
 * network only back to where the page came from.
 */
export const MEDIA_SCHEME = 'onomato-media';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  `media-src 'self' ${MEDIA_SCHEME}:`,
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
