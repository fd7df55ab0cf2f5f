import { readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { loadKeyring } from '../plugins/encrypt/keys.js';
import { seal, open } from '../plugins/encrypt/envelope.js';
import { loom } from './cli-helpers.js';
import { tempDir } from './fixtures/loom.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('loom-keys-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('keys generate writes a private keyring that seals, signs and opens; it never overwrites one', async () => {
  const file = join(dir, 'keys.json');
  const made = await loom(['keys', 'generate', file]);
  expect(made.code).toBe(0);
  expect(made.stdout).toMatch(/^wrote .*keys\.json \(key-encryption key kek-[0-9a-f]{8}, signing key sig-[0-9a-f]{8}\)/);
  expect(statSync(file).mode & 0o777).toBe(0o600);

  const ring = loadKeyring({ LOOM_KEY_FILE: file });
  const binding = { model: 'recs', version: 'r1' };
  const sealed = seal(new TextEncoder().encode('model bytes'), binding, ring.currentKek(), ring.signer());
  const verifier = ring.verifier(ring.signingId!);
  expect(new TextDecoder().decode(open(sealed, ring.opener(ring.currentKekId!), binding, verifier))).toBe('model bytes');

  const listed = await loom(['keys', 'list', '--json'], { LOOM_KEY_FILE: file });
  expect(JSON.parse(listed.stdout)).toMatchObject({ keks: [ring.currentKekId], signing: ring.signingId });
  expect(listed.stdout).not.toContain(JSON.parse(readFileSync(file, 'utf8')).keks[0].key);

  const again = await loom(['keys', 'generate', file]);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain('exists; refusing to overwrite a keyring');
});
