/**
 * Serving a sealed model: the opener decrypts it with the keyring from the environment, each decryption is a key
 * use in the audit log, and a wrong key is a 503 and a /readyz reason, never a crash or a plaintext on disk.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import request from 'supertest';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seal } from '../../plugins/encrypt/envelope.js';
import { loadKeyring } from '../../plugins/encrypt/keys.js';
import { tempDir } from '../../test/fixtures/loom.js';
import { servableOpener } from '../cli/serve-command.js';
import { createApp } from './app.js';
import { trainedHome, type TrainedHome } from '../../test/fixtures/trained-models.js';

let home: string;
let trained: TrainedHome;
const keyring = loadKeyring({ LOOM_MASTER_KEY: randomBytes(32).toString('base64'), LOOM_MASTER_KEY_ID: 'kek-test' });

beforeAll(async () => {
  home = await tempDir('loom-sealed-');
  trained = await trainedHome(home);
  // recs v3: v2's model file, sealed for "recs".
  const plain = await trained.loom.artifacts.readBytes(trained.recs[1].artifact);
  const artifact = await trained.loom.artifacts.putBytes('model', seal(plain, { model: 'recs', version: '3' }, keyring.currentKek()), { encrypted: true });
  const v3 = await trained.loom.models.register({ name: 'recs', artifact, algorithm: 'rebuy', actor: 'test' });
  await trained.loom.models.moveAlias({ name: 'recs', alias: 'production', to: v3.version, actor: 'test', reason: 'sealed' });
});
afterAll(async () => {
  trained.loom.close();
  await rm(home, { recursive: true, force: true });
});

const appWith = (ring: ReturnType<typeof loadKeyring>) =>
  createApp({ registry: trained.loom.models, artifacts: trained.loom.artifacts, opener: servableOpener(ring), access: { mode: 'off' }, pollMs: 0, processMetrics: false, log: () => {} });

test('a sealed production version is decrypted once, serves like the plain one, and its key use is audited', async () => {
  const { app, close } = appWith(keyring);
  try {
    const res = await request(app).get('/api/models/recs/recommend?customer=ann&k=2');
    expect(res.body).toMatchObject({ version: 3, fallback: false, items: [{ item: 'x', score: 3 }, { item: 'y', score: 1 }] });
    await request(app).get('/api/models/recs/recommend?customer=bob');
    const keyUses = (await trained.loom.models.auditLog()).filter((a) => a.action === 'key.use');
    expect(keyUses).toEqual([expect.objectContaining({ actor: 'server', target: 'recs@3', detail: { purpose: 'decrypt the model to serve it' } })]);
  } finally {
    await close();
  }
});

test('with the wrong key the model is unavailable (503) and /readyz says why', async () => {
  const { app, close, cache } = appWith(loadKeyring({ LOOM_MASTER_KEY: randomBytes(32).toString('base64'), LOOM_MASTER_KEY_ID: 'kek-other' }));
  try {
    const res = await request(app).get('/api/models/recs/recommend?customer=ann');
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'MODEL_UNAVAILABLE', details: { model: 'recs', version: 3 } });
    expect(res.body.error.message).toMatch(/^model "recs": production version 3 could not be loaded: .*kek-test/);
    await cache.sync();
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.reasons).toEqual([expect.stringMatching(/^model "recs": production version 3 failed to load: /)]);
  } finally {
    await close();
  }
});
