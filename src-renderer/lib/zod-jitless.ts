import { z } from 'zod';

// The page's CSP forbids eval. Zod probes for it (new Function) when an object schema is made,
// which the browser reports as a violation even though the probe's error is caught: switch the
// probe off before any schema of the contract is built. main.ts imports this first.
z.config({ jitless: true });
