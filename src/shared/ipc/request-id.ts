import { z } from 'zod';

/**
 * The client request id every write channel carries: drawn once per user intent in the renderer
 * and kept until that intent succeeds, so a double Enter or a retry after a lost answer is the same
 * request, answered once. A UUID, so ids from different intents never meet by chance.
 */
export const RequestId = z.uuid({ error: 'invalid' });

export const REQUEST_ID_KEY = 'requestId';
