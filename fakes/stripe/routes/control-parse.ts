import { z } from 'zod';
import { ControlError } from '../errors.js';

/** Parse a control body/query; problems answer 400 `{error: 'invalid_request', message}`. */
export function parseControl<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw new ControlError(400, 'invalid_request', z.prettifyError(r.error));
  return r.data;
}
