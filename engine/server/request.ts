/** Reading the parts of a request the routes share; a malformed one is the caller's 400. */
import type { Request } from 'express';
import { isPlainObject } from '../json.js';
import { badRequest } from './errors.js';

/** A path parameter (always one string for the `:name` patterns the routes use). */
export const param = (req: Request, key: string): string => String(req.params[key]);

export function bodyObject(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw badRequest('the request body must be a JSON object (Content-Type: application/json)');
  return body;
}
