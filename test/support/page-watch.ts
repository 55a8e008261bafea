import type { Page } from 'playwright-core';

export interface PageProblems {
  /** Console errors and warnings, and uncaught page errors, as they arrived. */
  messages: string[];
}

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

/**
 * Records what a person would never see but a broken page shows: console errors, uncaught
 * exceptions and Content-Security-Policy violations (reported to the page by the browser).
 * Call before the page is loaded.
 */
export async function watchPageProblems(page: Page): Promise<PageProblems> {
  const problems: PageProblems = { messages: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.messages.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.messages.push(`pageerror: ${err.message}`));
  // Injected by the browser's debugging protocol, which the page's CSP does not govern.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations?.push(`CSP: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  return problems;
}

/** Everything recorded so far, CSP violations included. */
export async function pageProblems(page: Page, problems: PageProblems): Promise<string[]> {
  const csp = await page.evaluate(() => window.__cspViolations ?? []);
  return [...problems.messages, ...csp];
}

export interface PushedEvents {
  frames: Array<{ event: string; payload: unknown }>;
}

/** Collects the events the app pushes over its event socket. */
export function watchPushedEvents(page: Page): PushedEvents {
  const pushed: PushedEvents = { frames: [] };
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      try {
        const frame = JSON.parse(String(payload)) as { event?: unknown; payload?: unknown };
        if (typeof frame.event === 'string') pushed.frames.push({ event: frame.event, payload: frame.payload });
      } catch {
        // Not one of the app's frames.
      }
    });
  });
  return pushed;
}
