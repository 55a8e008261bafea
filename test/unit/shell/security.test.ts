import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/contract/security.ts';
import { EXTERNAL_LINKS, externalLink, isAppUrl, permissionAllowed, secureWebPreferences } from '../../../src-main/shell/security.ts';

const root = join(import.meta.dirname, '..', '..', '..');

describe('Electron window security', () => {
  it('isolates the page from Node', () => {
    const prefs = secureWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false, nodeIntegrationInWorker: false });
  });

  it('grants only the microphone', () => {
    expect(permissionAllowed('media', { mediaTypes: ['audio'] })).toBe(true);
    expect(permissionAllowed('media', { mediaTypes: ['video'] })).toBe(false);
    expect(permissionAllowed('media', { mediaTypes: ['audio', 'video'] })).toBe(false);
    expect(permissionAllowed('media', {})).toBe(false);
    for (const p of ['geolocation', 'notifications', 'clipboard-read', 'openExternal', 'midi', 'display-capture']) expect(permissionAllowed(p)).toBe(false);
  });

  it('keeps the window on the app page', () => {
    const app = 'file:///opt/onomato/renderer/index.html';
    expect(isAppUrl('file:///opt/onomato/renderer/index.html#library', app)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', app)).toBe(false);
    expect(isAppUrl('https://example.com/', app)).toBe(false);
    expect(isAppUrl('not a url', app)).toBe(false);
  });

  it('opens in the browser only the links the app itself shows', () => {
    // Every outside URL written in the renderer's sources, and nothing more, is on the list.
    const sources = readdirSync(join(root, 'src-renderer'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.(svelte|ts|html)$/.test(f));
    const shown = new Set(sources.flatMap((f) => [...readFileSync(join(root, 'src-renderer', f), 'utf8').matchAll(/\bhttps?:\/\/[^\s'"`<>)]+/g)].map((m) => m[0])));
    expect([...EXTERNAL_LINKS].sort()).toEqual([...shown].sort());
    for (const url of ['https://example.com/', 'https://github.com/fschmid56/EfficientAT/releases/download/v0.0.1/', 'http://127.0.0.1:1/', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url']) {
      expect(externalLink(url), url).toBeNull();
    }
    const docs = ['https://onomato.example/docs/search'];
    expect(externalLink('https://onomato.example/docs/search', docs)).toBe('https://onomato.example/docs/search');
    expect(externalLink('https://onomato.example/docs/search?x=1', docs)).toBeNull();
    expect(externalLink('https://onomato.example.evil/docs/search', docs)).toBeNull();
  });

  it('has a strict Content-Security-Policy (the e2e test checks the built page carries it)', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)|\*/);
  });

  it('exposes nothing but the invoke/on bridge from the preload', () => {
    const preload = readFileSync(join(root, 'src-main/shell/preload.ts'), 'utf8');
    expect(preload.match(/exposeInMainWorld/g)).toHaveLength(1);
    expect(preload).not.toMatch(/process\.|require\(|ipcRenderer\.send\b/);
    const exposed = /exposeInMainWorld\('onomato', \{([\s\S]*)\}\);/.exec(preload)?.[1] ?? '';
    // ipcRenderer itself never leaves the preload, only calls on its two channels.
    expect(exposed).not.toMatch(/\bipcRenderer\b(?!\.(invoke|on|removeListener)\('onomato:)/);
    expect([...exposed.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1])).toEqual(['invoke', 'on']);
  });
});
