import { z } from 'zod';

/** The id of a manager approval (a UUIDv7 made by the main process). */
export const approvalId = z.string({ error: 'required' }).uuid({ error: 'invalid' });
