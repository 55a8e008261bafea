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

/**
 * The only pages the app hands to the user's browser: the links its own screens show, each
 * exactly. The renderer links to no outside page today, so nothing is opened; a screen that
 * gains a link adds it here (a test checks the two agree). Any https URL was opened before,
 * which let a page that got script into the window open whatever it liked on the user's behalf.
 */
export const EXTERNAL_LINKS: readonly string[] = [];

/** The URL to open in the user's browser, or null when it is not one of EXTERNAL_LINKS. */
export function externalLink(url: string, allowed: readonly string[] = EXTERNAL_LINKS): string | null {
  try {
    const href = new URL(url).href;
    return allowed.some((a) => new URL(a).href === href) ? href : null;
  } catch {
    return null;
  }
}
