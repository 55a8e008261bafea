import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { CONTENT_SECURITY_POLICY } from './src-main/contract/security.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The built page carries the app's CSP in a <meta> too, so it holds even where the page is
 * loaded from disk without response headers (Electron). frame-ancestors is dropped there only
 * because browsers ignore it in a <meta> and complain on the console; the headers keep it.
 * Build only: the dev server injects styles inline, which this policy would refuse.
 */
function contentSecurityPolicyMeta(): Plugin {
  const policy = CONTENT_SECURITY_POLICY.split('; ')
    .filter((directive) => !directive.startsWith('frame-ancestors'))
    .join('; ');
  return {
    name: 'onomato-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  root: here('./src-renderer'),
  base: './',
  publicDir: false,
  plugins: [svelte(), contentSecurityPolicyMeta()],
  build: {
    outDir: here('./dist/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    // Never inline assets as data: URLs into CSS/JS; every file is served from 'self'.
    assetsInlineLimit: 0,
  },
  server: { fs: { allow: [here('.')] } },
});
