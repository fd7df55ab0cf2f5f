/**
 * Bearer tokens with roles, ordered viewer < editor < admin:
 *
 *   viewer  read models, versions, history; recommend and predict
 *   editor  + start and control workflow runs (the server issue's routes)
 *   admin   + rollback, alias moves, the audit log, keys
 *
 * Tokens come from `LOOM_TOKENS_FILE` (JSON `{ "tokens": [{ "name", "role", "sha256" | "token" }] }`, refused when
 * group or others may read it, as ssh refuses a loose private key) and/or `LOOM_TOKENS` (`name:role:token,…`).
 * Only sha256 digests are kept in memory; a presented token is hashed and compared with every digest in constant
 * time, so neither a match's position nor a near miss shows in the timing. Refused requests go to the audit log.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Request, RequestHandler } from 'express';
import { LoomError } from '../errors.js';
import type { JsonObject } from '../json.js';
import type { AuditEntry } from '../registry/types.js';

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who made a request: the token's name (the actor in the audit log) and its role. */
export interface Principal {
  readonly name: string;
  readonly role: Role;
}

export const TOKEN_HELP =
  'set LOOM_TOKENS="name:role:token,…" (roles: viewer, editor, admin; tokens of at least 16 characters, e.g. `openssl rand -hex 24`) ' +
  'or LOOM_TOKENS_FILE=<file, mode 600> holding {"tokens":[{"name":"ci","role":"admin","sha256":"<hex of sha256(token)>"}]}; ' +
  'or pass --no-auth for local use only';

/** A refused request; the status follows the code (401 or 403). */
export class AccessError extends LoomError {
  constructor(
    code: 'UNAUTHORIZED' | 'FORBIDDEN',
    message: string,
    readonly details?: JsonObject,
  ) {
    super(code, message);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();
const MIN_TOKEN = 16;

interface TokenEntry extends Principal {
  readonly digest: Buffer;
}

function configError(where: string, problem: string): never {
  throw new LoomError('USAGE', `${where}: ${problem}`);
}

function checkEntry(where: string, name: unknown, role: unknown): Principal {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name)) configError(where, `name ${JSON.stringify(name)} must be 1-64 letters, digits, ".", "_", "@" or "-"`);
  if (!ROLES.includes(role as Role)) configError(where, `role ${JSON.stringify(role)} must be one of ${ROLES.join(', ')}`);
  return { name, role: role as Role };
}

function plainToken(where: string, token: unknown): Buffer {
  if (typeof token !== 'string' || token.length < MIN_TOKEN) configError(where, `the token must be a string of at least ${MIN_TOKEN} characters`);
  return sha256(token);
}

/** The tokens a server accepts; built by `loadTokens` from the environment, or directly in tests. */
export class TokenSet {
  readonly #entries: readonly TokenEntry[];

  constructor(entries: readonly (Principal & ({ token: string } | { sha256: string }))[]) {
    const seen = new Set<string>();
    this.#entries = entries.map((entry, i) => {
      const where = `token ${i + 1}`;
      const { name, role } = checkEntry(where, entry.name, entry.role);
      if (seen.has(name)) configError(where, `the name "${name}" is used twice; every token needs its own name (it is the actor in the audit log)`);
      seen.add(name);
      if ('token' in entry) return { name, role, digest: plainToken(`${where} ("${name}")`, entry.token) };
      if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(entry.sha256)) configError(`${where} ("${name}")`, 'sha256 must be 64 hex digits');
      return { name, role, digest: Buffer.from(entry.sha256, 'hex') };
    });
  }

  get size(): number {
    return this.#entries.length;
  }

  get names(): string[] {
    return this.#entries.map((e) => e.name);
  }

  /** The principal a token belongs to, or undefined. Every entry is compared, match or not. */
  authenticate(token: string): Principal | undefined {
    const digest = sha256(token);
    let found: TokenEntry | undefined;
    for (const entry of this.#entries) if (timingSafeEqual(entry.digest, digest) && !found) found = entry;
    return found && { name: found.name, role: found.role };
  }
}

function readTokensFile(path: string): unknown[] {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return configError(`LOOM_TOKENS_FILE ${path}`, 'file not found');
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    configError(`LOOM_TOKENS_FILE ${path}`, `readable by group or others (mode ${(mode & 0o777).toString(8)}); it holds secrets: run \`chmod 600 ${path}\``);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return configError(`LOOM_TOKENS_FILE ${path}`, `not valid JSON (${(error as Error).message})`);
  }
  const tokens = (doc as { tokens?: unknown })?.tokens;
  if (!Array.isArray(tokens)) configError(`LOOM_TOKENS_FILE ${path}`, 'must hold {"tokens": [{"name", "role", "sha256" | "token"}, …]}');
  return tokens;
}

/** The tokens configured in the environment, or undefined when there are none. Bad config throws USAGE. */
export function loadTokens(env: NodeJS.ProcessEnv = process.env): TokenSet | undefined {
  const entries: (Principal & ({ token: string } | { sha256: string }))[] = [];
  if (env.LOOM_TOKENS_FILE) {
    readTokensFile(env.LOOM_TOKENS_FILE).forEach((raw, i) => {
      const where = `LOOM_TOKENS_FILE token ${i + 1}`;
      if (typeof raw !== 'object' || raw === null) configError(where, 'must be an object {"name", "role", "sha256" | "token"}');
      const { name, role, token, sha256: digest } = raw as Record<string, unknown>;
      if ((token === undefined) === (digest === undefined)) configError(where, 'give exactly one of "sha256" and "token"');
      entries.push({ ...checkEntry(where, name, role), ...(token !== undefined ? { token: token as string } : { sha256: digest as string }) });
    });
  }
  if (env.LOOM_TOKENS) {
    env.LOOM_TOKENS.split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .forEach((part, i) => {
        const [name, role, ...rest] = part.split(':');
        if (rest.length === 0) configError(`LOOM_TOKENS entry ${i + 1}`, 'must be name:role:token');
        entries.push({ ...checkEntry(`LOOM_TOKENS entry ${i + 1}`, name, role), token: rest.join(':') });
      });
  }
  return entries.length === 0 ? undefined : new TokenSet(entries);
}

/** How a server decides who is asking: tokens, or `off` (--no-auth: every request is a local admin). */
export type AccessControl = { readonly mode: 'tokens'; readonly tokens: TokenSet } | { readonly mode: 'off' };

export const LOCAL_PRINCIPAL: Principal = { name: 'local', role: 'admin' };

/** The principal for a bearer header (also for the socket.io handshake); throws UNAUTHORIZED. */
export function principalFor(access: AccessControl, authorization: string | undefined): Principal {
  if (access.mode === 'off') return LOCAL_PRINCIPAL;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new AccessError('UNAUTHORIZED', 'authentication required: send "Authorization: Bearer <token>"');
  const principal = access.tokens.authenticate(match[1]!);
  if (!principal) throw new AccessError('UNAUTHORIZED', 'the bearer token is not valid');
  return principal;
}

export function hasRole(principal: Principal, needed: Role): boolean {
  return ROLES.indexOf(principal.role) >= ROLES.indexOf(needed);
}

export function principalOf(res: { locals: Record<string, unknown> }): Principal {
  return (res.locals.principal as Principal | undefined) ?? LOCAL_PRINCIPAL;
}

/**
 * Middleware that requires a role: it authenticates the request (once), then checks the role. Refusals go to
 * `audit`, which must not throw (createApp's logs a failed write instead).
 * @example router.post('/:name/rollback', guard.need('admin'), handler)
 */
export function accessGuard(access: AccessControl, audit: (entry: AuditEntry) => Promise<void>) {
  const refused = (req: Request, actor: string, error: AccessError) =>
    audit({ actor, action: 'request.refused', target: `${req.method} ${req.originalUrl.split('?')[0]}`, detail: { code: error.code, message: error.message, ip: req.ip ?? null } });
  const need =
    (role: Role): RequestHandler =>
    async (req, res, next) => {
      let principal: Principal;
      try {
        principal = (res.locals.principal as Principal | undefined) ?? principalFor(access, req.get('authorization'));
      } catch (error) {
        res.set('WWW-Authenticate', 'Bearer');
        await refused(req, 'anonymous', error as AccessError);
        return next(error);
      }
      res.locals.principal = principal;
      if (hasRole(principal, role)) return next();
      const error = new AccessError('FORBIDDEN', `this needs the ${role} role; token "${principal.name}" has the ${principal.role} role`, { needed: role, role: principal.role });
      await refused(req, principal.name, error);
      next(error);
    };
  return { need };
}
