import type { IpcResult } from '../errors';
import type { Channel } from './channels';
import type { RequestInput, ResponseData } from './contract';

type DomainOf<C extends string> = C extends `${infer D}.${string}` ? D : never;

/** The shape of `window.loyalty`: one named function per channel, grouped by domain. */
export type LoyaltyApi = {
  [D in DomainOf<Channel>]: {
    [C in Channel as C extends `${D}.${infer F}` ? F : never]: (
      request: RequestInput<C>,
    ) => Promise<IpcResult<ResponseData<C>>>;
  };
};

export type Invoke = (channel: Channel, request: unknown) => Promise<unknown>;

/**
 * Builds the API object from a transport. The Electron preload passes `ipcRenderer.invoke`; the
 * test harness passes an HTTP call. Only named functions are exposed, never the transport itself.
 */
export function createLoyaltyApi(channels: readonly Channel[], invoke: Invoke): LoyaltyApi {
  const api: Record<string, Record<string, (request: unknown) => Promise<unknown>>> = {};
  for (const channel of channels) {
    const [domain, name] = channel.split('.') as [string, string];
    const group = (api[domain] ??= {});
    group[name] = (request: unknown) => invoke(channel, request);
  }
  for (const group of Object.values(api)) Object.freeze(group);
  return Object.freeze(api) as unknown as LoyaltyApi;
}
