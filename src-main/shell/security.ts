import type { WebPreferences } from 'electron';

/** The window's web preferences: nothing of Node reaches the page. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
    navigateOnDragDrop: false,
  };
}

/** Only the microphone is ever granted (for the level meter in the future, capture is native today). */
export function permissionAllowed(permission: string, details?: { mediaTypes?: string[] }): boolean {
  if (permission !== 'media') return false;
  const types = details?.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'audio');
}

/** The app page is the only place the window may be; every navigation elsewhere is refused. */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const u = new URL(url);
    const a = new URL(appUrl);
    return u.protocol === a.protocol && u.host === a.host && u.pathname === a.pathname;
  } catch {
    return false;
  }
}
