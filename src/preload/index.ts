import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS } from '../shared/ipc/channels';
import { createLoyaltyApi } from '../shared/ipc/api';

/**
 * Runs sandboxed, with context isolation. Exposes one named function per contract channel and
 * nothing else: no ipcRenderer, no event objects, no generic "send anything" function.
 */
contextBridge.exposeInMainWorld(
  'loyalty',
  createLoyaltyApi(CHANNELS, (channel, request) => ipcRenderer.invoke(channel, request)),
);
