// The renderer's only door to main: two functions, no Node, no raw ipcRenderer. Main validates
// every call against the contract, so this file stays tiny and knows no method names.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

contextBridge.exposeInMainWorld('onomato', {
  invoke: (method: string, args: unknown): Promise<unknown> => ipcRenderer.invoke('onomato:invoke', method, args),
  on: (listener: (event: string, payload: unknown) => void): (() => void) => {
    const wrapped = (_e: IpcRendererEvent, event: string, payload: unknown) => listener(event, payload);
    ipcRenderer.on('onomato:event', wrapped);
    return () => ipcRenderer.removeListener('onomato:event', wrapped);
  },
});
