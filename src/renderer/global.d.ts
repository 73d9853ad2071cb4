import type { LoyaltyApi } from '../shared/ipc/api';

declare global {
  interface Window {
    readonly loyalty: LoyaltyApi;
  }
}
