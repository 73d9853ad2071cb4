import { z } from 'zod';

/**
 * For pages under a CSP without 'unsafe-eval' (the till's renderer, the HQ console): zod compiles
 * fast object parsers with new Function() unless told not to, and its probe for that is a CSP
 * violation report on every start. It reads the setting when each schema is defined, so the
 * entry point imports this module before anything that defines a schema. Node processes do not
 * import it: they keep the compiled parsers.
 */
z.config({ jitless: true });
