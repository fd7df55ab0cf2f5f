/** Token configuration and checking; the 401/403 paths over HTTP are in app.test.ts. */
import { createHash } from 'node:crypto';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../../test/fixtures/loom.js';
import { hasRole, loadTokens, principalFor, TokenSet } from './auth.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('loom-auth-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hex = (token: string) => createHash('sha256').update(token).digest('hex');

async function tokensFile(name: string, content: unknown, mode = 0o600): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  await chmod(path, mode);
  return path;
}

describe('loadTokens', () => {
  test('nothing configured is undefined (the CLI then refuses to serve without --no-auth)', () => {
    expect(loadTokens({})).toBeUndefined();
    expect(loadTokens({ LOOM_TOKENS: ' , ' })).toBeUndefined();
  });

  test('LOOM_TOKENS: name:role:token, comma-separated; a token may contain colons', () => {
    const tokens = loadTokens({ LOOM_TOKENS: 'ci:admin:abcdefghijklmnop, dash:viewer:a:b:c:d:e:f:g:h:i' })!;
    expect(tokens.names).toEqual(['ci', 'dash']);
    expect(tokens.authenticate('abcdefghijklmnop')).toEqual({ name: 'ci', role: 'admin' });
    expect(tokens.authenticate('a:b:c:d:e:f:g:h:i')).toEqual({ name: 'dash', role: 'viewer' });
    expect(tokens.authenticate('abcdefghijklmno')).toBeUndefined();
  });

  test('LOOM_TOKENS_FILE: sha256 digests or plain tokens, merged with LOOM_TOKENS', async () => {
    const path = await tokensFile('tokens.json', { tokens: [{ name: 'ci', role: 'editor', sha256: hex('ci-secret-token-123') }, { name: 'ops', role: 'admin', token: 'ops-secret-token-123' }] });
    const tokens = loadTokens({ LOOM_TOKENS_FILE: path, LOOM_TOKENS: 'dash:viewer:dash-secret-token-12' })!;
    expect(tokens.size).toBe(3);
    expect(tokens.authenticate('ci-secret-token-123')).toEqual({ name: 'ci', role: 'editor' });
    expect(tokens.authenticate('ops-secret-token-123')).toEqual({ name: 'ops', role: 'admin' });
    expect(tokens.authenticate(hex('ci-secret-token-123'))).toBeUndefined();
  });

  test('a tokens file readable by group or others is refused, as ssh refuses a loose key', async () => {
    const path = await tokensFile('loose.json', { tokens: [] }, 0o644);
    expect(() => loadTokens({ LOOM_TOKENS_FILE: path })).toThrow(`LOOM_TOKENS_FILE ${path}: readable by group or others (mode 644); it holds secrets: run \`chmod 600 ${path}\``);
  });

  test('bad configuration is an error that says where and what', async () => {
    expect(() => loadTokens({ LOOM_TOKENS: 'ci:root:abcdefghijklmnop' })).toThrow('LOOM_TOKENS entry 1: role "root" must be one of viewer, editor, admin');
    expect(() => loadTokens({ LOOM_TOKENS: 'ci:admin' })).toThrow('LOOM_TOKENS entry 1: must be name:role:token');
    expect(() => loadTokens({ LOOM_TOKENS: 'ci:admin:short' })).toThrow('token 1 ("ci"): the token must be a string of at least 16 characters');
    expect(() => loadTokens({ LOOM_TOKENS: 'ci:admin:abcdefghijklmnop,ci:viewer:qrstuvwxyz012345' })).toThrow('token 2: the name "ci" is used twice');
    expect(() => loadTokens({ LOOM_TOKENS_FILE: join(dir, 'missing.json') })).toThrow(`LOOM_TOKENS_FILE ${join(dir, 'missing.json')}: file not found`);
    const noList = await tokensFile('nolist.json', { ci: 'x' });
    expect(() => loadTokens({ LOOM_TOKENS_FILE: noList })).toThrow('must hold {"tokens": [{"name", "role", "sha256" | "token"}, …]}');
    const both = await tokensFile('both.json', { tokens: [{ name: 'ci', role: 'admin', token: 'abcdefghijklmnop', sha256: hex('x') }] });
    expect(() => loadTokens({ LOOM_TOKENS_FILE: both })).toThrow('LOOM_TOKENS_FILE token 1: give exactly one of "sha256" and "token"');
    const badHex = await tokensFile('badhex.json', { tokens: [{ name: 'ci', role: 'admin', sha256: 'abc' }] });
    expect(() => loadTokens({ LOOM_TOKENS_FILE: badHex })).toThrow('token 1 ("ci"): sha256 must be 64 hex digits');
  });
});

describe('principalFor and roles', () => {
  const access = { mode: 'tokens' as const, tokens: new TokenSet([{ name: 'ci', role: 'editor', token: 'abcdefghijklmnop' }]) };

  test('a bearer header is needed and must hold a known token', () => {
    expect(principalFor(access, 'Bearer abcdefghijklmnop')).toEqual({ name: 'ci', role: 'editor' });
    expect(principalFor(access, 'bearer   abcdefghijklmnop')).toEqual({ name: 'ci', role: 'editor' });
    expect(() => principalFor(access, undefined)).toThrow('authentication required: send "Authorization: Bearer <token>"');
    expect(() => principalFor(access, 'Basic YWxhZGRpbjpvcGVu')).toThrow('authentication required');
    expect(() => principalFor(access, 'Bearer nope')).toThrow('the bearer token is not valid');
  });

  test('with auth off everyone is the local admin', () => {
    expect(principalFor({ mode: 'off' }, undefined)).toEqual({ name: 'local', role: 'admin' });
  });

  test('roles are ordered viewer < editor < admin', () => {
    const editor = { name: 'ci', role: 'editor' as const };
    expect([hasRole(editor, 'viewer'), hasRole(editor, 'editor'), hasRole(editor, 'admin')]).toEqual([true, true, false]);
  });
});
