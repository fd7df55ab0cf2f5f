import { describe, expect, test } from 'vitest';
import { mulberry32 } from './bootstrap.js';
import { decodeModel, encodeModel, ModelFileError, type ModelArray } from './model-file.js';

const header = {
  algorithm: 'ials',
  params: { factors: 2, regularization: 0.01, alpha: 15 },
  ids: { users: ['12346', '12347', '12348'], items: ['85123A', '71053'] },
  lineage: { dataset: 'sha256:abc', run: 'r-1' },
  metrics: { 'ndcg@10': 0.1234 },
  createdBy: 'loom 0.1.0',
};
const arrays: Record<string, ModelArray> = {
  userFactors: Float32Array.from([0.5, -1.25, 3, 0.1, 1e-7, -0]),
  itemFactors: Float32Array.from([1, 2, 3, 4]),
  itemCounts: Int32Array.from([7, -3, 2147483647]), // 12 bytes: the next array needs 4 bytes of padding
  empty: new Float32Array(0),
};

/**
 * A hand-made file, independent of the encoder: magic, header length, the JSON padded with spaces to 244
 * bytes (so the data section always starts at byte 12 + 244 = 256), then `data`.
 */
function rawFile(json: string, data: Uint8Array = new Uint8Array(0), options: { headerLength?: number; magic?: string } = {}): Uint8Array {
  const text = new TextEncoder().encode(json.padEnd(244, ' '));
  expect(text.length).toBe(244);
  const out = new Uint8Array(256 + data.length);
  out.set(new TextEncoder().encode(options.magic ?? 'LOOMMDL1'), 0);
  new DataView(out.buffer).setUint32(8, options.headerLength ?? 244, true);
  out.set(text, 12);
  out.set(data, 256);
  return out;
}

/** A minimal valid header with the given array specs, as JSON. */
function headerJson(specs: object[], overrides: object = {}): string {
  const minimal = { format: 1, algorithm: 't', params: {}, ids: {}, arrays: specs, lineage: {}, metrics: {}, createdBy: '' };
  return JSON.stringify({ ...minimal, ...overrides });
}

function decodeError(bytes: Uint8Array): string {
  try {
    decodeModel(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFileError);
    return (error as Error).message;
  }
  throw new Error('expected decodeModel to fail');
}

describe('encodeModel / decodeModel', () => {
  test('round-trips header and arrays, byte for byte', () => {
    const bytes = encodeModel(header, arrays);
    const decoded = decodeModel(bytes);
    expect(decoded.header).toMatchObject({ format: 1, ...header });
    expect(Object.keys(decoded.arrays)).toEqual(['userFactors', 'itemFactors', 'itemCounts', 'empty']);
    for (const [name, array] of Object.entries(arrays)) expect(decoded.arrays[name]).toEqual(array);
    expect(Object.is(decoded.arrays.userFactors![5], -0)).toBe(true);
    expect(encodeModel(decoded.header, decoded.arrays)).toEqual(bytes);
    expect(encodeModel(header, arrays)).toEqual(bytes);
  });

  test('lays the file out as documented', () => {
    const bytes = encodeModel(header, arrays);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('LOOMMDL1');
    const headerLength = new DataView(bytes.buffer).getUint32(8, true);
    const dataStart = Math.ceil((12 + headerLength) / 8) * 8;
    const specs = decodeModel(bytes).header.arrays;
    // 24 bytes of user factors, 16 of item factors, 12 of counts, then 4 of padding before the empty array.
    expect(specs.map((s) => [s.name, s.dtype, s.length, s.offset - dataStart])).toEqual([
      ['userFactors', 'float32', 6, 0],
      ['itemFactors', 'float32', 4, 24],
      ['itemCounts', 'int32', 3, 40],
      ['empty', 'float32', 0, 56],
    ]);
    expect(bytes.length).toBe(dataStart + 56);
    expect(new DataView(bytes.buffer).getFloat32(dataStart + 4, true)).toBe(-1.25);
  });

  test('reads from a buffer at an odd byte offset, and returns copies', () => {
    const bytes = encodeModel(header, arrays);
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const decoded = decodeModel(shifted);
    expect(decoded.arrays.itemCounts).toEqual(arrays.itemCounts);
    shifted.fill(0);
    expect(decoded.arrays.itemFactors).toEqual(arrays.itemFactors);
  });

  test('reads a Node Buffer from the shared pool', () => {
    const pooled = Buffer.from(encodeModel(header, arrays));
    expect(pooled.byteOffset % 8 !== 0 || pooled.buffer.byteLength > pooled.length).toBe(true);
    const decoded = decodeModel(pooled);
    for (const [name, array] of Object.entries(arrays)) expect(decoded.arrays[name]).toEqual(array);
  });

  test('an array name like "__proto__" stays an ordinary key', () => {
    const decoded = decodeModel(encodeModel(header, Object.fromEntries([['__proto__', Int32Array.from([1])]])));
    expect(Object.keys(decoded.arrays)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(decoded.arrays)).toBe(Object.prototype);
  });

  test('refuses to write what it could not read back', () => {
    const wrong = { w: new Float64Array(2) as unknown as Float32Array };
    expect(() => encodeModel(header, wrong)).toThrow('model file: array "w" must be a Float32Array or an Int32Array');
    expect(() => encodeModel({ ...header, algorithm: '' }, arrays)).toThrow('model file: header "algorithm" must be a non-empty string');
  });
});

describe('decodeModel rejects corrupt files with a clear message', () => {
  const valid = encodeModel(header, arrays);

  test('truncated files', () => {
    expect(decodeError(valid.subarray(0, 5))).toBe('model file: too short (5 bytes; the magic and header length alone take 12)');
    const { offset } = decodeModel(valid).header.arrays[2]!;
    expect(decodeError(valid.subarray(0, valid.length - 8))).toBe(
      `model file: array "itemCounts" runs past the end of the file (offset ${offset}, 12 bytes, file ${valid.length - 8} bytes)`,
    );
    expect(decodeError(valid.subarray(0, 100))).toMatch(
      /^model file: header length \d+ runs past the end of the file \(header ends at byte \d+, file 100 bytes\)$/,
    );
  });

  test('bad magic', () => {
    expect(decodeError(rawFile(headerJson([]), undefined, { magic: 'LOOMMDL2' }))).toBe(
      'model file: bad magic bytes 4c4f4f4d4d444c32 (expected "LOOMMDL1")',
    );
  });

  test('a header length past the end of the file or over the limit', () => {
    expect(decodeError(rawFile(headerJson([]), undefined, { headerLength: 1_000_000 }))).toBe(
      'model file: header length 1000000 runs past the end of the file (header ends at byte 1000012, file 256 bytes)',
    );
    expect(decodeError(rawFile(headerJson([]), undefined, { headerLength: 0xffffffff }))).toBe(
      'model file: header length 4294967295 is over the 67108864-byte limit',
    );
  });

  test('a header that is not UTF-8, not JSON, or not a model header', () => {
    const notUtf8 = rawFile(headerJson([]));
    notUtf8[12] = 0xff;
    expect(decodeError(notUtf8)).toBe('model file: header is not valid UTF-8');
    const broken = '{"format":1,';
    let parseMessage = '';
    try {
      JSON.parse(broken.padEnd(244, ' '));
    } catch (error) {
      parseMessage = (error as Error).message;
    }
    expect(decodeError(rawFile(broken))).toBe(`model file: header is not valid JSON (${parseMessage})`);
    expect(decodeError(rawFile('[]'))).toBe('model file: header must be a JSON object');
    expect(decodeError(rawFile(headerJson([], { format: 2 })))).toBe('model file: header "format" is 2; this reader knows format 1');
    expect(decodeError(rawFile(headerJson([], { ids: { users: [1] } })))).toBe('model file: header "ids.users" must be an array of strings');
    expect(decodeError(rawFile(headerJson([], { lineage: null })))).toBe('model file: header "lineage" must be a JSON object');
  });

  test('bad array specs', () => {
    const spec = (more: object) => ({ name: 'a', dtype: 'float32', length: 2, offset: 256, ...more });
    const data = new Uint8Array(8);
    expect(decodeError(rawFile(headerJson([spec({}), spec({ offset: 264 })]), data))).toBe('model file: array "a" appears twice in the header');
    expect(decodeError(rawFile(headerJson([spec({ dtype: 'float64' })]), data))).toBe(
      'model file: array "a" has dtype "float64" (expected "float32" or "int32")',
    );
    expect(decodeError(rawFile(headerJson([spec({ length: -1 })]), data))).toBe(
      'model file: array "a" has length -1 (expected a non-negative integer)',
    );
    expect(decodeError(rawFile(headerJson([{ dtype: 'int32' }]), data))).toBe('model file: array 0 in the header has no name');
  });

  test('an array past the end of the file', () => {
    const json = headerJson([{ name: 'itemFactors', dtype: 'float32', length: 1024, offset: 256 }]);
    expect(decodeError(rawFile(json, new Uint8Array(2048 - 256)))).toBe(
      'model file: array "itemFactors" runs past the end of the file (offset 256, 4096 bytes, file 2048 bytes)',
    );
  });

  test('misaligned, inside the header, overlapping, or leaving gaps', () => {
    const at = (offset: number, length = 2, name = 'b') => ({ name, dtype: 'int32', length, offset });
    const data = new Uint8Array(40);
    expect(decodeError(rawFile(headerJson([at(260)]), data))).toBe('model file: array "b" starts at byte 260, which is not a multiple of 8');
    expect(decodeError(rawFile(headerJson([at(8)]), data))).toBe(
      'model file: array "b" starts at byte 8, inside the header (data starts at byte 256)',
    );
    expect(decodeError(rawFile(headerJson([at(256, 4, 'a'), at(264)]), data))).toBe(
      'model file: arrays "a" and "b" overlap (bytes 256..272 and 264..272)',
    );
    expect(decodeError(rawFile(headerJson([at(256, 4, 'a'), at(280)]), data))).toBe(
      'model file: bytes 272..280 before array "b" belong to no array',
    );
    expect(decodeError(rawFile(headerJson([at(256, 4, 'a')]), data))).toBe('model file: 24 bytes after the last array belong to no array');
  });

  test('padding that is not zero', () => {
    // "a" holds bytes 256..260, then 4 bytes of padding before the empty "b" at 264.
    const specs = [
      { name: 'a', dtype: 'int32', length: 1, offset: 256 },
      { name: 'b', dtype: 'int32', length: 0, offset: 264 },
    ];
    const bytes = rawFile(headerJson(specs), new Uint8Array(8));
    bytes[261] = 9;
    expect(decodeError(bytes)).toBe('model file: padding byte 261 is 9, not 0');
  });

  test('random corruption only ever raises ModelFileError', () => {
    // Small arrays, so most flips land in the header, where the checks are. Flips inside array data
    // decode fine (integrity is the signing layer's job); everything else must be a ModelFileError.
    const random = mulberry32(2024);
    let failures = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const bytes = valid.slice(0, trial % 10 === 0 ? Math.floor(random() * valid.length) : valid.length);
      const flips = 1 + Math.floor(random() * 3);
      for (let f = 0; f < flips && bytes.length > 0; f++) bytes[Math.floor(random() * bytes.length)]! ^= 1 + Math.floor(random() * 255);
      try {
        decodeModel(bytes);
      } catch (error) {
        if (!(error instanceof ModelFileError)) throw error;
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(2000);
  });
});
