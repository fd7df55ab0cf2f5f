/**
 * `loom keys generate <file>` writes a new keyring (a random key-encryption key and an Ed25519 signing key) with
 * mode 600, refusing to overwrite; `loom keys list` shows the ids of the keys the environment configures (never a
 * secret). With LOOM_KEY_FILE pointing at the file, encrypt seals and signs, and serving opens and verifies.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadKeyring } from '../../plugins/encrypt/keys.js';
import { EXIT, UsageError } from './common.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

const shortHash = (data: Buffer | string) => createHash('sha256').update(data).digest('hex').slice(0, 8);

/** A keyring file's contents. The signing key's public half is trusted for verification without being listed. */
export function newKeyring(): { keks: { id: string; key: string }[]; current: string; signing: { id: string; privateKey: string } } {
  const kek = randomBytes(32);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kekId = `kek-${shortHash(kek)}`;
  const signingId = `sig-${shortHash(publicKey.export({ type: 'spki', format: 'der' }))}`;
  return {
    keks: [{ id: kekId, key: kek.toString('base64') }],
    current: kekId,
    signing: { id: signingId, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
  };
}

export function registerKeysCommands(cli: Command, act: Act): void {
  const keys = cli.command('keys').description('the keys that seal, sign and open model artifacts');
  keys
    .command('generate <file>')
    .description('write a new keyring (a key-encryption key and an Ed25519 signing key) with mode 600; use it with LOOM_KEY_FILE')
    .action(
      act(async (file: string) => {
        const path = resolve(file);
        const ring = newKeyring();
        try {
          writeFileSync(path, `${JSON.stringify(ring, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`keys generate: ${path} exists; refusing to overwrite a keyring (its keys may still open your models)`);
          throw error;
        }
        process.stdout.write(`wrote ${path} (key-encryption key ${ring.current}, signing key ${ring.signing.id}); keep it secret and backed up, then export LOOM_KEY_FILE=${path}\n`);
        return EXIT.ok;
      }),
    );
  keys
    .command('list')
    .description('the ids of the keys configured by LOOM_KEY_FILE, LOOM_MASTER_KEY and LOOM_SIGNING_KEY (never the secrets)')
    .option('--json', 'print JSON')
    .action(
      act(async (opts: { json?: boolean }) => {
        const ring = loadKeyring(process.env).toJSON();
        process.stdout.write(opts.json ? `${JSON.stringify(ring, null, 2)}\n` : `${Object.entries(ring).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') || '-' : (v ?? '-')}`).join('\n')}\n`);
        return EXIT.ok;
      }),
    );
}
