/**
 * `loom keys generate <file>` writes a new keyring (a random key-encryption key and an Ed25519 signing key) with
 * mode 600, refusing to overwrite; `loom keys list` shows the ids of the keys the environment configures (never a
 * secret); `loom keys rotate --to <kek>` re-wraps the data key of every sealed model version in the registry under
 * another key-encryption key, without re-encrypting any model, so the old key can be retired. With LOOM_KEY_FILE
 * pointing at the file, encrypt seals and signs, and serving opens and verifies.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readEnvelope } from '../../plugins/encrypt/envelope.js';
import { loadKeyring } from '../../plugins/encrypt/keys.js';
import { rotateModel } from '../../plugins/encrypt/open-model.js';
import type { JsonObject } from '../json.js';
import type { Loom } from '../loom.js';
import { cliActor, EXIT, UsageError, withLoom, type Act } from './common.js';

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

/** Re-wraps every sealed version (of one model, or all) under `to`; versions already wrapped by it are left alone. */
export async function rotateKeys(loom: Loom, to: string, options: { model?: string; reason: string; actor: string }): Promise<{ rotated: string[]; kept: string[] }> {
  const keyring = loadKeyring(process.env);
  keyring.kek(to); // an unknown id fails here, naming the ids there are
  const names = options.model ? [options.model] : (await loom.models.models()).map((m) => m.name);
  const rotated: string[] = [];
  const kept: string[] = [];
  for (const name of names) {
    for (const version of await loom.models.versions(name)) {
      if (!version.encrypted) continue;
      const at = `${name}@${version.version}`;
      const bytes = await loom.artifacts.readBytes(version.artifact);
      const from = readEnvelope(bytes).header.wrapped.keyId;
      if (from === to) {
        kept.push(at);
        continue;
      }
      const meta = { ...(version.artifact.meta ?? {}), keyId: to } as JsonObject;
      const artifact = await loom.artifacts.putBytes('model', rotateModel(bytes, keyring, to), meta);
      await loom.models.replaceArtifact({ name, version: version.version, artifact, actor: options.actor, reason: `${options.reason}: data key re-wrapped from ${from} to ${to}` });
      await loom.models.audit({ actor: options.actor, action: 'key.rotate', target: at, detail: { from, to } });
      rotated.push(at);
    }
  }
  return { rotated, kept };
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
    .command('rotate')
    .description('re-wrap the data keys of sealed model versions under another key-encryption key (models are not re-encrypted)')
    .requiredOption('--to <kekId>', 'the key-encryption key to wrap under (one of `loom keys list`)')
    .option('--model <name>', 'only this model (default: every model)')
    .option('--reason <text>', 'why, for the registry and the audit log', 'key rotation')
    .action(
      act(async (opts: { to: string; model?: string; reason: string }) =>
        withLoom(cli, async (loom) => {
          const { rotated, kept } = await rotateKeys(loom, opts.to, { ...opts, actor: cliActor() });
          process.stdout.write(`re-wrapped ${rotated.length} sealed version${rotated.length === 1 ? '' : 's'} under ${opts.to}${rotated.length ? `: ${rotated.join(', ')}` : ''}${kept.length ? `; ${kept.length} already were` : ''}\n`);
          return EXIT.ok;
        }),
      ),
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
