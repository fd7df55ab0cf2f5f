import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, vi } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import type { JsonObject } from '../../engine/sdk.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc, tempDir } from '../../test/fixtures/loom.js';
import { sqlDataset } from '../../test/fixtures/sql-dataset.js';
import encrypt from '../encrypt/encrypt.plugin.js';
import { loadKeyring, type Keyring } from '../encrypt/keys.js';
import { decodeModel, encodeModel, type ModelHeader } from '../evaluate/model-file.js';
import { fitIals } from '../train/algorithms/index.js';
import { mulberry32 } from '../train/algorithms/common.js';
import { fromTriples } from '../train/matrix.js';
import { openServable } from './servable.js';

const test = loomTest([asAnyPlugin(sqlDataset), asAnyPlugin(encrypt)]);

//        x  y  z
//  ann   3  1  .
//  bob   .  1  .
//  cy    1  .  2
const CELLS = `SELECT * FROM (VALUES ('ann', 'x', 3), ('ann', 'y', 1), ('bob', 'y', 1), ('cy', 'x', 1), ('cy', 'z', 2)) t(CustomerID, StockCode, count)`;
const signing = generateKeyPairSync('ed25519');

/** Temporary folders of this file, removed after its tests. */
const folders: string[] = [];
const scratch = async (prefix: string) => {
  const dir = await tempDir(prefix);
  folders.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});
afterEach(() => {
  vi.unstubAllEnvs();
});
const fitCtx = { signal: new AbortController().signal, progress: () => {}, seed: 0 };

async function keyFile(): Promise<{ ring: Keyring; path: string }> {
  const path = join(await scratch('loom-serve-keys-'), 'keys.json');
  await writeFile(path, JSON.stringify({ keks: [{ id: 'kek-1', key: randomBytes(32).toString('base64') }], signing: { id: 'release', privateKey: signing.privateKey.export({ type: 'pkcs8', format: 'pem' }) } }));
  await chmod(path, 0o600);
  return { ring: loadKeyring({ LOOM_KEY_FILE: path }), path };
}
const keyring = async () => (await keyFile()).ring;

/** A plain model file for the given header fields and arrays. */
function modelBytes(header: Partial<ModelHeader> & Pick<ModelHeader, 'algorithm' | 'params' | 'ids'>, arrays: Record<string, Float32Array | Int32Array>): Uint8Array {
  return encodeModel({ lineage: {}, metrics: {}, createdBy: 'test', ...header }, arrays);
}

describe('openServable', () => {
  test('a re-buy model trained and sealed in a workflow ranks a known customer\'s own items first, then popular ones', async ({ loom }) => {
    const { ring, path } = await keyFile();
    // The encrypt node reads the process's keys: the same key file.
    vi.stubEnv('LOOM_MASTER_KEY', '');
    vi.stubEnv('LOOM_SIGNING_KEY', '');
    vi.stubEnv('LOOM_KEY_FILE', path);
    const doc = workflow()
      .node('cells', 'fixture', { config: { sql: CELLS } })
      .node('train', 'train', { inputs: { interactions: 'cells.data' }, config: { algorithm: 'rebuy', name: 'retail', params: { fallback: 'popularity' } } })
      .node('seal', 'encrypt', { inputs: { model: 'train.model' }, config: { version: '4', sign: 'required' } })
      .build();
    const state = await runDoc(loom, doc);
    const sealed = await loom.artifacts.readBytes(state.nodes.seal!.outputs!.model!);
    const model = openServable(sealed, { keyring: ring, expect: { model: 'retail' }, requireSignature: true });

    // Own counts first; the rest by distinct buyers rescaled into [-2, -1]: x and y (2 buyers) -1, z (1 buyer) -1.5.
    expect(model.recommend('ann', 3)).toEqual({ items: [{ item: 'x', score: 3 }, { item: 'y', score: 1 }, { item: 'z', score: -1.5 }], fallback: false });
    expect(model.recommend('bob', 3)).toEqual({ items: [{ item: 'y', score: 1 }, { item: 'x', score: -1 }, { item: 'z', score: -1.5 }], fallback: false });
    expect(model.recommend('cy', 2)).toEqual({ items: [{ item: 'z', score: 2 }, { item: 'x', score: 1 }], fallback: false });
    expect(model.recommend('bob', 10, { exclude: ['y', 'no-such-item'] }).items.map((r) => r.item)).toEqual(['x', 'z']);
    // An unknown customer gets the header's popular items (train wrote them: by distinct buyers, ties by id).
    expect(model.knows('dan')).toBe(false);
    expect(model.recommend('dan', 2)).toEqual({ items: [{ item: 'x', score: 1 }, { item: 'y', score: 2 / 3 }], fallback: true });
    expect(model.recommend('dan', 10, { exclude: ['x'] })).toEqual({ items: [{ item: 'y', score: 2 / 3 }, { item: 'z', score: 1 / 3 }], fallback: true });
    expect(model.describe()).toMatchObject({
      name: 'retail', algorithm: 'rebuy', users: 3, items: 3, params: { fallback: 'popularity', halfLife: null, nUsers: 3, nItems: 3 },
      encrypted: true, binding: { model: 'retail', version: '4' }, signer: 'release', fallback: 3, createdBy: 'loom train@1.0.0',
    });
  });

  test('without a fallback list: rank for user -1 when the algorithm can (popularity, re-buy\'s popularity), else an empty list', async () => {
    const ring = await keyring();
    const matrix = fromTriples([['ann', 'x', 3], ['ann', 'y', 1], ['bob', 'y', 1], ['cy', 'x', 1], ['cy', 'z', 2]]);
    const ids = { users: matrix.users, items: matrix.items };
    const popular = openServable(modelBytes({ algorithm: 'popularity', params: { by: 'users', nItems: 3 }, ids }, { scores: Float32Array.of(2, 2, 1) }), { keyring: ring });
    expect(popular.recommend('dan', 3)).toEqual({ items: [{ item: 'x', score: 2 }, { item: 'y', score: 2 }, { item: 'z', score: 1 }], fallback: true });
    expect(popular.describe()).toMatchObject({ name: 'popularity', encrypted: false, binding: null, signer: null, fallback: 0 });

    const ials = await fitIals(matrix, { factors: 2, iterations: 2 }, fitCtx);
    const parts = ials.toParts();
    const plainIals = openServable(modelBytes({ algorithm: 'ials', params: parts.params as unknown as JsonObject, ids }, parts.arrays), { keyring: ring });
    expect(plainIals.recommend('dan', 3)).toEqual({ items: [], fallback: true });
    expect(plainIals.recommend('ann', 3).items).toHaveLength(3);
  });

  test('after warm, answers come from the precomputed lists and equal live scoring, for any k and exclusions', async () => {
    const ring = await keyring();
    // 60 customers over 400 items, random purchases: iALS gives every customer a full, distinct ranking.
    const random = mulberry32(11);
    const triples: [string, string, number][] = [];
    for (let u = 0; u < 60; u++) for (let n = 0; n < 12; n++) triples.push([`c${u}`, `i${Math.floor(random() * 400)}`, 1 + Math.floor(random() * 3)]);
    const matrix = fromTriples(triples);
    const parts = (await fitIals(matrix, { factors: 8, iterations: 3 }, fitCtx)).toParts();
    const bytes = modelBytes({ algorithm: 'ials', params: parts.params as unknown as JsonObject, ids: { users: matrix.users, items: matrix.items } }, parts.arrays);
    const live = openServable(bytes, { keyring: ring });
    const warmed = openServable(bytes, { keyring: ring });
    await warmed.warm!();
    for (const customer of matrix.users) {
      for (const k of [1, 10, 100, 101]) expect(warmed.recommend(customer, k)).toEqual(live.recommend(customer, k));
      const top = live.recommend(customer, 5).items.map((r) => r.item);
      const exclude = [top[0]!, top[3]!, 'not-an-item'];
      expect(warmed.recommend(customer, 10, { exclude })).toEqual(live.recommend(customer, 10, { exclude }));
    }
  });

  test('k must be an integer from 1 to 1000', async () => {
    const ring = await keyring();
    const model = openServable(modelBytes({ algorithm: 'popularity', params: { by: 'users', nItems: 1 }, ids: { users: [], items: ['x'] } }, { scores: Float32Array.of(1) }), { keyring: ring });
    for (const k of [0, 1001, 2.5, Number.NaN]) expect(() => model.recommend('a', k)).toThrow(`k must be an integer from 1 to 1000, got ${k}`);
    expect(model.recommend('a', 1000).items).toHaveLength(1);
  });

  test('the top k of the whole catalogue, highest first and ties by item order, for any k (checked against a full sort)', async () => {
    const ring = await keyring();
    const random = mulberry32(7);
    const n = 3000;
    // Few distinct values, so that ties are everywhere; one -Infinity that must never be returned.
    const scores = Float32Array.from({ length: n }, () => Math.floor(random() * 50));
    scores[17] = -Infinity;
    const items = Array.from({ length: n }, (_, i) => `i${String(i).padStart(4, '0')}`);
    const model = openServable(modelBytes({ algorithm: 'popularity', params: { by: 'users', nItems: n }, ids: { users: [], items } }, { scores }), { keyring: ring });
    const reference = [...scores.keys()].filter((i) => i !== 17).sort((a, b) => scores[b]! - scores[a]! || a - b);
    for (const k of [1, 2, 10, 99, 1000]) {
      expect(model.recommend('anyone', k).items.map((r) => r.item)).toEqual(reference.slice(0, k).map((i) => items[i]));
    }
  });

  test('the decoder bounds-checks a fallback list: item ids only, no repeats, at most 1000', () => {
    const base = { algorithm: 'popularity', params: { by: 'users', nItems: 2 }, ids: { users: [], items: ['x', 'y'] } };
    const arrays = { scores: Float32Array.of(1, 2) };
    expect(decodeModel(modelBytes({ ...base, fallback: ['y', 'x'] }, arrays)).header.fallback).toEqual(['y', 'x']);
    expect(() => modelBytes({ ...base, fallback: ['x', 'q'] }, arrays)).toThrow('model file: header "fallback[1]" is "q", which is not in "ids.items"');
    expect(() => modelBytes({ ...base, fallback: ['x', 'x'] }, arrays)).toThrow('model file: header "fallback[1]" repeats "x"');
    const many = Array.from({ length: 1001 }, (_, i) => `i${i}`);
    expect(() => modelBytes({ ...base, ids: { users: [], items: many }, fallback: many }, arrays)).toThrow('model file: header "fallback" has 1001 ids, over the limit of 1000');
  });
});
