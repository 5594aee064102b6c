import { z } from 'zod';

// Zod 4 probes once whether `new Function` works (to compile faster parsers); the dashboard's CSP forbids
// eval, so the probe would only raise a CSP violation report. The dashboard's payloads are small: the
// interpreted parsers are plenty.
z.config({ jitless: true });
