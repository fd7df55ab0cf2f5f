/**
 * The model artifact format: a safetensors-like container that holds only data, so loading a model can never
 * run code (unlike pickle). Layout, all integers little-endian:
 *
 *   bytes 0..8      magic "LOOMMDL1"
 *   bytes 8..12     uint32 header length H
 *   bytes 12..12+H  UTF-8 JSON header (ModelHeader)
 *   zero padding up to the next multiple of 8: the data section starts there
 *   the arrays, each at an 8-aligned offset counted from the start of the file, one after the other with only
 *   zero padding between them, and nothing after the last one
 *
 * The decoder is strict (as safetensors became after its audit): every byte of the file belongs to the
 * header, an array, or zero padding, so there is exactly one valid encoding of a model and no room to hide
 * a second payload. Integrity and authenticity (hashes, signatures) are the signing layer's job, not this one.
 */
import { PluginError, type JsonObject } from '../../engine/sdk.js';

const MAGIC = 'LOOMMDL1';
const PREFIX = 12;
/** Refuse larger headers before parsing them; Online Retail's ids (~8k short strings) take about 100 kB. */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export type DType = 'float32' | 'int32';
export type ModelArray = Float32Array | Int32Array;

/** Where one array lives: `offset` in bytes from the start of the file, `length` in elements. */
export interface ArraySpec {
  readonly name: string;
  readonly dtype: DType;
  readonly length: number;
  readonly offset: number;
}

export interface ModelHeader {
  readonly format: 1;
  readonly algorithm: string;
  readonly params: JsonObject;
  /** Index → id lists, e.g. `{ users: [...], items: [...] }` from `Interactions`. */
  readonly ids: { readonly [name: string]: readonly string[] };
  readonly arrays: readonly ArraySpec[];
  readonly lineage: JsonObject;
  readonly metrics: JsonObject;
  readonly createdBy: string;
  /**
   * What to recommend to a customer the model does not know: item ids, most popular first (at most
   * `MAX_FALLBACK`, each one of `ids.items`). Optional: older files have none.
   */
  readonly fallback?: readonly string[];
}

/** The longest `fallback` list a header may hold. */
export const MAX_FALLBACK = 1000;

/** What `encodeModel` needs: the header without the parts it computes (a decoded header is accepted too). */
export type ModelHeaderInput = Omit<ModelHeader, 'format' | 'arrays'> & Partial<Pick<ModelHeader, 'format' | 'arrays'>>;

/** A model file that cannot be read, or a model that cannot be written. Never worth retrying. */
export class ModelFileError extends PluginError {
  constructor(problem: string) {
    super(`model file: ${problem}`, { retryable: false });
  }
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Writes a model file. Arrays are laid out in the order of `Object.keys(arrays)`; the header's `format` and
 * `arrays` are computed here (any given ones are ignored), so `encodeModel(decoded.header, decoded.arrays)`
 * gives back the same bytes.
 *
 * @example const bytes = encodeModel({ algorithm: 'ials', params, ids, lineage, metrics, createdBy }, { userFactors, itemFactors })
 */
export function encodeModel(header: ModelHeaderInput, arrays: Readonly<Record<string, ModelArray>>): Uint8Array {
  // 1. Lay the arrays out relative to the data section, each at an 8-aligned position.
  const layout: { name: string; array: ModelArray; dtype: DType; at: number }[] = [];
  let size = 0;
  for (const [name, array] of Object.entries(arrays)) {
    const dtype = array instanceof Float32Array ? 'float32' : array instanceof Int32Array ? 'int32' : undefined;
    if (dtype === undefined) throw new ModelFileError(`array "${name}" must be a Float32Array or an Int32Array`);
    const at = align8(size);
    layout.push({ name, array, dtype, at });
    size = at + array.byteLength;
  }
  // 2. Offsets are absolute, so they depend on the header's length, which depends on their digits: iterate to
  //    the fixed point. The data start only grows and is bounded, so this ends within a few rounds.
  let dataStart = 0;
  let json: Uint8Array;
  for (;;) {
    const specs = layout.map((a) => ({ name: a.name, dtype: a.dtype, length: a.array.length, offset: dataStart + a.at }));
    const full = {
      format: 1,
      algorithm: header.algorithm,
      params: header.params,
      ids: header.ids,
      arrays: specs,
      lineage: header.lineage,
      metrics: header.metrics,
      createdBy: header.createdBy,
      ...(header.fallback !== undefined ? { fallback: header.fallback } : {}),
    };
    json = new TextEncoder().encode(JSON.stringify(full));
    const start = align8(PREFIX + json.length);
    if (start === dataStart) break;
    dataStart = start;
  }
  if (json.length > MAX_HEADER_BYTES) {
    throw new ModelFileError(`header of ${json.length} bytes is over the ${MAX_HEADER_BYTES}-byte limit`);
  }
  // 3. Check the header as a reader will, so that nothing is written that cannot be read back.
  checkHeader(JSON.parse(new TextDecoder().decode(json)));
  // 4. Write magic, length, header, then the arrays; padding is left as the zeros the buffer starts with.
  const out = new Uint8Array(dataStart + size);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, PREFIX);
  for (const { array, at } of layout) writeArray(out, dataStart + at, array);
  return out;
}

function writeArray(out: Uint8Array, offset: number, array: ModelArray): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset);
  for (let i = 0; i < array.length; i++) {
    if (array instanceof Float32Array) view.setFloat32(offset + 4 * i, array[i]!, true);
    else view.setInt32(offset + 4 * i, array[i]!, true);
  }
}

function readArray(bytes: Uint8Array, spec: ArraySpec): ModelArray {
  // A copy, not a view: the result owns aligned memory whatever the input buffer's byteOffset was.
  // NOTE: not `bytes.slice`, which on a Node Buffer is a view into (possibly pooled) shared memory.
  const copy = new Uint8Array(bytes.subarray(spec.offset, spec.offset + 4 * spec.length));
  if (LITTLE_ENDIAN) return spec.dtype === 'float32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
  const view = new DataView(copy.buffer);
  const out = spec.dtype === 'float32' ? new Float32Array(spec.length) : new Int32Array(spec.length);
  for (let i = 0; i < spec.length; i++) {
    out[i] = spec.dtype === 'float32' ? view.getFloat32(4 * i, true) : view.getInt32(4 * i, true);
  }
  return out;
}

/** Validates a parsed header's shape and returns it typed; array positions are checked against the file later. */
function checkHeader(value: unknown): ModelHeader {
  if (!isObject(value)) throw new ModelFileError('header must be a JSON object');
  const { format, algorithm, params, ids, arrays, lineage, metrics, createdBy, fallback } = value;
  if (format !== 1) throw new ModelFileError(`header "format" is ${JSON.stringify(format) ?? 'missing'}; this reader knows format 1`);
  if (typeof algorithm !== 'string' || algorithm === '') throw new ModelFileError('header "algorithm" must be a non-empty string');
  if (typeof createdBy !== 'string') throw new ModelFileError('header "createdBy" must be a string');
  for (const [key, v] of [['params', params], ['lineage', lineage], ['metrics', metrics], ['ids', ids]] as const) {
    if (!isObject(v)) throw new ModelFileError(`header "${key}" must be a JSON object`);
  }
  for (const [key, list] of Object.entries(ids as Record<string, unknown>)) {
    if (!Array.isArray(list) || !list.every((id) => typeof id === 'string')) {
      throw new ModelFileError(`header "ids.${key}" must be an array of strings`);
    }
  }
  if (fallback !== undefined) checkFallback(fallback, (ids as Record<string, unknown>).items as string[] | undefined);
  if (!Array.isArray(arrays)) throw new ModelFileError('header "arrays" must be an array');
  const names = new Set<string>();
  const specs = arrays.map((spec: unknown, i): ArraySpec => {
    if (!isObject(spec) || typeof spec.name !== 'string' || spec.name === '') {
      throw new ModelFileError(`array ${i} in the header has no name`);
    }
    const { name, dtype, length, offset } = spec;
    if (names.has(name)) throw new ModelFileError(`array "${name}" appears twice in the header`);
    names.add(name);
    if (dtype !== 'float32' && dtype !== 'int32') {
      throw new ModelFileError(`array "${name}" has dtype ${JSON.stringify(dtype) ?? 'missing'} (expected "float32" or "int32")`);
    }
    for (const [key, n] of [['length', length], ['offset', offset]] as const) {
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
        throw new ModelFileError(`array "${name}" has ${key} ${JSON.stringify(n) ?? 'missing'} (expected a non-negative integer)`);
      }
    }
    return { name, dtype, length: length as number, offset: offset as number };
  });
  return {
    format: 1,
    algorithm,
    params: params as JsonObject,
    ids: ids as ModelHeader['ids'],
    arrays: specs,
    lineage: lineage as JsonObject,
    metrics: metrics as JsonObject,
    createdBy,
    ...(fallback !== undefined ? { fallback: fallback as string[] } : {}),
  };
}

/** A fallback list is short and names only items of the catalogue, so serving can trust it as it is. */
function checkFallback(fallback: unknown, items: readonly string[] | undefined): void {
  if (!Array.isArray(fallback)) throw new ModelFileError('header "fallback" must be an array of item ids');
  if (fallback.length > MAX_FALLBACK) throw new ModelFileError(`header "fallback" has ${fallback.length} ids, over the limit of ${MAX_FALLBACK}`);
  const known = new Set(items ?? []);
  const seen = new Set<string>();
  fallback.forEach((id: unknown, i) => {
    if (typeof id !== 'string') throw new ModelFileError(`header "fallback[${i}]" must be a string`);
    if (!known.has(id)) throw new ModelFileError(`header "fallback[${i}]" is ${JSON.stringify(id)}, which is not in "ids.items"`);
    if (seen.has(id)) throw new ModelFileError(`header "fallback[${i}]" repeats ${JSON.stringify(id)}`);
    seen.add(id);
  });
}

function checkZeros(bytes: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (bytes[i] !== 0) throw new ModelFileError(`padding byte ${i} is ${bytes[i]}, not 0`);
  }
}

/**
 * Reads a model file, checking every length and offset before touching the bytes it points to. Every
 * problem is a `ModelFileError` whose message says what is wrong and where.
 *
 * @example const { header, arrays } = decodeModel(await readFile(path)); arrays.itemFactors
 */
export function decodeModel(bytes: Uint8Array): { header: ModelHeader; arrays: Record<string, ModelArray> } {
  const size = bytes.length;
  // 1. Fixed prefix: the magic and a header length that fits in the file and under the limit.
  if (size < PREFIX) throw new ModelFileError(`too short (${size} bytes; the magic and header length alone take ${PREFIX})`);
  const magic = bytes.subarray(0, 8);
  if (String.fromCharCode(...magic) !== MAGIC) {
    const hex = Array.from(magic, (b) => b.toString(16).padStart(2, '0')).join('');
    throw new ModelFileError(`bad magic bytes ${hex} (expected "${MAGIC}")`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, size).getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES) {
    throw new ModelFileError(`header length ${headerLength} is over the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerEnd = PREFIX + headerLength;
  if (headerEnd > size) {
    throw new ModelFileError(
      `header length ${headerLength} runs past the end of the file (header ends at byte ${headerEnd}, file ${size} bytes)`,
    );
  }
  // 2. The header: strict UTF-8, then JSON, then its shape.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, headerEnd));
  } catch {
    throw new ModelFileError('header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(`header is not valid JSON (${(error as Error).message})`);
  }
  const header = checkHeader(parsed);
  // 3. Each array on its own: after the header, 8-aligned, inside the file.
  const dataStart = align8(headerEnd);
  if (dataStart > size) {
    throw new ModelFileError(`file ends at byte ${size}, inside the padding after the header (data starts at byte ${dataStart})`);
  }
  checkZeros(bytes, headerEnd, dataStart);
  for (const { name, offset, length } of header.arrays) {
    if (offset < dataStart) {
      throw new ModelFileError(`array "${name}" starts at byte ${offset}, inside the header (data starts at byte ${dataStart})`);
    }
    if (offset % 8 !== 0) throw new ModelFileError(`array "${name}" starts at byte ${offset}, which is not a multiple of 8`);
    if (offset + 4 * length > size) {
      const where = `offset ${offset}, ${4 * length} bytes, file ${size} bytes`;
      throw new ModelFileError(`array "${name}" runs past the end of the file (${where})`);
    }
  }
  // 4. The arrays together, in file order: no overlap, no gap beyond padding, nothing after the last one.
  const ordered = [...header.arrays].sort((a, b) => a.offset - b.offset);
  let end = dataStart;
  let previous: ArraySpec | undefined;
  for (const spec of ordered) {
    if (previous !== undefined && spec.offset < end) {
      const ranges = `bytes ${previous.offset}..${end} and ${spec.offset}..${spec.offset + 4 * spec.length}`;
      throw new ModelFileError(`arrays "${previous.name}" and "${spec.name}" overlap (${ranges})`);
    }
    if (spec.offset > align8(end)) {
      throw new ModelFileError(`bytes ${end}..${spec.offset} before array "${spec.name}" belong to no array`);
    }
    checkZeros(bytes, end, spec.offset);
    end = spec.offset + 4 * spec.length;
    previous = spec;
  }
  if (end !== size) throw new ModelFileError(`${size - end} bytes after the last array belong to no array`);
  // 5. Only now copy the data out, keyed safely (fromEntries defines own properties, even for "__proto__").
  const arrays = Object.fromEntries(header.arrays.map((spec) => [spec.name, readArray(bytes, spec)]));
  return { header, arrays };
}
