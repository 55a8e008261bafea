import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/contract/security.ts';
import { isAppUrl, permissionAllowed, secureWebPreferences } from '../../../src-main/shell/security.ts';

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
