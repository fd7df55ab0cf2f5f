import { describe, expect, test } from 'vitest';
import { initialValue, paramFields, paramValues, parseValue } from './params';

const doc = {
  params: {
    data: { type: 'string' as const, default: 'data/*.csv', description: 'The CSV files.' },
    halfLifeDays: { type: 'number' as const, default: 30 },
    windows: { type: 'integer' as const, default: 1 },
    dryRun: { type: 'boolean' as const, default: false },
    mode: { type: 'string' as const, enum: ['fast', 'full'], default: 'full' },
    weights: { type: 'object' as const, default: { a: 1 } },
    cutoff: { type: 'string' as const },
  },
};

describe('the params form, as data', () => {
  const fields = paramFields(doc);

  test('shows each default as it would be typed', () => {
    expect(fields.map((f) => [f.name, initialValue(f)])).toEqual([
      ['data', 'data/*.csv'],
      ['halfLifeDays', '30'],
      ['windows', '1'],
      ['dryRun', false],
      ['mode', '1'],
      ['weights', '{"a":1}'],
      ['cutoff', ''],
    ]);
  });

  test('turns typed text into typed values, leaving empty fields to the server', () => {
    const { values, errors } = paramValues(fields, { halfLifeDays: '12.5', windows: '3', dryRun: true, mode: '0', weights: '{"b": [1, 2]}' });
    expect(errors).toEqual({});
    expect(values).toEqual({ data: 'data/*.csv', halfLifeDays: 12.5, windows: 3, dryRun: true, mode: 'fast', weights: { b: [1, 2] } });
  });

  test('names what is wrong with a value', () => {
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(parseValue(byName.windows!, '2.5')).toEqual({ ok: false, error: '2.5 is not a whole number' });
    expect(parseValue(byName.halfLifeDays!, 'soon')).toEqual({ ok: false, error: '"soon" is not a number' });
    expect(parseValue(byName.weights!, '[1]')).toEqual({ ok: false, error: 'must be a JSON object' });
    expect(parseValue(byName.weights!, '{oops')).toMatchObject({ ok: false });
  });
});
