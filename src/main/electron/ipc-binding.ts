import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { IpcResult } from '../../shared/errors';
import { CHANNELS, type Channel } from '../../shared/ipc/channels';
import type { CallContext, Router } from '../ipc/router';

export type BindableIpcMain = Pick<IpcMain, 'handle' | 'removeHandler'>;
type SenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame'>;

/**
 * What the router needs to know about the caller, and nothing else: the frame's URL and whether it
 * is a top-level frame. A missing or destroyed frame yields `senderUrl: null`, which the router
 * refuses. The event object itself never reaches the router or any service.
 */
export function callContextOf(event: SenderEvent): CallContext {
  try {
    const frame = event.senderFrame;
    if (!frame || (typeof frame.isDestroyed === 'function' && frame.isDestroyed())) {
      return { senderUrl: null, isTopFrame: false };
    }
    const url = frame.url;
    return { senderUrl: typeof url === 'string' && url !== '' ? url : null, isTopFrame: frame.parent === null };
  } catch {
    // Electron throws when a frame was disposed between the call and this access.
    return { senderUrl: null, isTopFrame: false };
  }
}

/** Binds the transport-agnostic router to `ipcMain.handle`, one handler per contract channel. */
export function bindIpc(ipcMain: BindableIpcMain, router: Router, channels: readonly Channel[] = CHANNELS): () => void {
  for (const channel of channels) {
    ipcMain.handle(channel, (event, payload: unknown): Promise<IpcResult<unknown>> =>
      router.handle(channel, payload, callContextOf(event)),
    );
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}
