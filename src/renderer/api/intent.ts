import { useState } from 'react';

/**
 * The client request id of one user intent (a form's submit). Drawn when the intent is first sent
 * and kept through every retry of it (a double Enter, a retry after a timeout or an unanswered
 * call), so the main process answers them all as one write; once the intent has succeeded, the
 * next submit is a new intent with a new id. A refusal keeps the id: nothing was recorded for it.
 */
export interface Intent {
  /** The id to send with this submit. */
  id(): string;
  /** The write was answered ok: the next submit is a new intent. */
  succeeded(): void;
}

export function createIntent(newId: () => string = () => crypto.randomUUID()): Intent {
  let current: string | null = null;
  return {
    id: () => (current ??= newId()),
    succeeded: () => {
      current = null;
    },
  };
}

/** One intent per key, for a view that starts several independent writes (one per roster row, per purpose). */
export function createIntents(newId?: () => string): (key: string) => Intent {
  const intents = new Map<string, Intent>();
  return (key) => {
    let intent = intents.get(key);
    if (!intent) intents.set(key, (intent = createIntent(newId)));
    return intent;
  };
}

/** One intent per mounted form: a form opened again (another member, another dialog) is a new intent. */
export function useIntent(): Intent {
  // The lazy initial state is made once per mount and kept across renders.
  const [intent] = useState(() => createIntent());
  return intent;
}

export function useIntents(): (key: string) => Intent {
  const [intents] = useState(() => createIntents());
  return intents;
}
