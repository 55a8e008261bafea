import type { IpcMainInvokeEvent } from 'electron';
import { dispatch, type Reply } from '../contract/dispatch.ts';
import type { Handlers } from '../contract/methods.ts';

/** The slice of ipcMain this module needs, so tests can drive it without an Electron binary. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
}

export const INVOKE_CHANNEL = 'onomato:invoke';
export const EVENT_CHANNEL = 'onomato:event';

/**
 * Every renderer call arrives on one channel. The sender frame is checked first (only the app's
 * own top-level page may call), then `dispatch` validates the method and its arguments exactly
 * as the web server does.
 */
export function registerIpc(ipc: IpcMainLike, handlers: Handlers, isTrustedSender: (event: IpcMainInvokeEvent) => boolean): void {
  ipc.handle(INVOKE_CHANNEL, async (event, method, args): Promise<Reply> => {
    if (!isTrustedSender(event)) {
      return { ok: false, error: { kind: 'forbidden', message: 'This call did not come from the Onomato window.' } };
    }
    return dispatch(handlers, method, args);
  });
}
