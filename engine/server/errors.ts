/**
 * The HTTP boundary's one error handler: every error leaves as `{ error: { code, message, details? } }` with a
 * fitting status. Loom's own errors keep their code and message; anything unexpected is logged with the request
 * id and answered with a 500 that names only that id, so no stack or internal detail reaches a client.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { LoomError, WorkflowInvalidError } from '../errors.js';
import type { JsonObject } from '../json.js';
import { RegistryError } from '../registry/types.js';

/** A refusal the server itself decides on (a bad query, an unavailable model), with its status and code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: JsonObject,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details?: JsonObject) => new HttpError(400, 'BAD_REQUEST', message, details);

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: JsonObject };
}

const REGISTRY_STATUS: Record<RegistryError['registryCode'], number> = {
  MODEL_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  ALIAS_NOT_FOUND: 404,
  NO_PREVIOUS_VERSION: 409,
  REGISTRY_INVALID: 400,
};

const LOOM_STATUS: Partial<Record<LoomError['code'], number>> = {
  USAGE: 400,
  WORKFLOW_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RUN_NOT_FOUND: 404,
  PLUGIN_NOT_FOUND: 404,
  ARTIFACT_NOT_FOUND: 404,
  RUN_BUSY: 409,
  ENGINE_UNAVAILABLE: 503,
};

/** What body-parser and other express middleware throw: an http-errors object with a status and a type. */
interface ExpressHttpError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
  limit?: number;
}

/** The status and body for an error; `undefined` for an unexpected error (a 500 whose message stays hidden). */
export function describeError(error: unknown): { status: number; body: ErrorBody } | undefined {
  if (error instanceof HttpError) return { status: error.status, body: { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } } };
  if (error instanceof RegistryError) {
    return { status: REGISTRY_STATUS[error.registryCode], body: { error: { code: error.registryCode, message: error.message, details: { model: error.model } } } };
  }
  if (error instanceof WorkflowInvalidError) {
    const problems = error.problems.map((p) => ({ pointer: p.pointer, message: p.message }));
    return { status: 400, body: { error: { code: error.code, message: error.message, details: { workflow: error.workflow, problems } } } };
  }
  if (error instanceof LoomError && LOOM_STATUS[error.code] !== undefined) {
    const details = (error as { details?: JsonObject }).details;
    return { status: LOOM_STATUS[error.code]!, body: { error: { code: error.code, message: error.message, ...(details ? { details } : {}) } } };
  }
  const http = error as ExpressHttpError;
  const status = http?.status ?? http?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && http.expose !== false) {
    if (http.type === 'entity.too.large') {
      return { status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE', message: `request body is larger than the limit of ${http.limit} bytes` } } };
    }
    if (http.type === 'entity.parse.failed') {
      return { status: 400, body: { error: { code: 'INVALID_JSON', message: `request body is not valid JSON: ${(error as Error).message}` } } };
    }
    return { status, body: { error: { code: http.type ? http.type.toUpperCase().replace(/\W+/g, '_') : 'BAD_REQUEST', message: (error as Error).message } } };
  }
  return undefined;
}

/** The catch-all for routes nobody mounted. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`));
};

export type ServerLog = (entry: JsonObject) => void;

export function errorHandler(log: ServerLog): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const known = describeError(error);
    const requestId = String(res.locals.requestId ?? '');
    if (known) return void res.status(known.status).json(known.body);
    log({ level: 'error', requestId, method: req.method, path: req.path, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    const body: ErrorBody = { error: { code: 'INTERNAL', message: `internal error; the server log has the details under request id ${requestId}`, details: { requestId } } };
    res.status(500).json(body);
  };
}
