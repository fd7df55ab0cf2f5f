import { customizeValidator } from '@rjsf/validator-ajv8';
import { describe, expect, test } from 'vitest';
import { discriminatorOf, pickedBranchErrors } from './tagged-unions';

const ajv = customizeValidator({ suppressDuplicateFiltering: 'all' });
const errorsOf = (data: unknown, schema: object) => pickedBranchErrors(ajv.validateFormData(data, schema).errors, schema, data).map((e) => `${e.property} ${e.message}`);

// integrate's operation: an anyOf told apart by `kind`.
const key = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } };
const integrate = {
  type: 'object',
  required: ['operation'],
  properties: {
    operation: {
      anyOf: [
        { type: 'object', additionalProperties: false, required: ['kind', 'on'], properties: { kind: { const: 'join', type: 'string' }, on: key, how: { enum: ['inner', 'left'] } } },
        { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { const: 'union', type: 'string' } } },
        { type: 'object', additionalProperties: false, required: ['kind', 'user', 'item'], properties: { kind: { const: 'interactions', type: 'string' }, user: { type: 'string' }, item: { type: 'string' } } },
      ],
    },
  },
};

describe('tagged unions', () => {
  test('the discriminator is the property every branch fixes to its own constant', () => {
    expect(discriminatorOf(integrate.properties.operation.anyOf)).toBe('kind');
    expect(discriminatorOf([{ type: 'string' }, { type: 'number' }])).toBeUndefined();
  });

  test("only the picked branch's errors are kept: no other branch's constant, no 'must match a schema'", () => {
    expect(errorsOf({ operation: { kind: 'join' } }, integrate)).toEqual([".operation.on must have required property 'on'"]);
    expect(errorsOf({ operation: { kind: 'interactions', user: 'CustomerID' } }, integrate)).toEqual([".operation.item must have required property 'item'"]);
    expect(errorsOf({ operation: { kind: 'join', on: ['a'], how: 'outer' } }, integrate)).toEqual(['.operation.how must be equal to one of the allowed values']);
    expect(errorsOf({ operation: { kind: 'union' } }, integrate)).toEqual([]);
  });

  test('a value that picks no branch gets one error naming the choice', () => {
    expect(errorsOf({ operation: { kind: 'merge' } }, integrate)).toEqual(['.operation choose "kind": one of join, union, interactions']);
    expect(errorsOf({ operation: {} }, integrate)).toEqual(['.operation choose "kind": one of join, union, interactions']);
  });

  test('unions inside arrays are judged item by item', () => {
    const steps = { type: 'object', properties: { steps: { type: 'array', items: integrate.properties.operation } } };
    expect(errorsOf({ steps: [{ kind: 'union' }, { kind: 'join' }] }, steps)).toEqual([".steps.1.on must have required property 'on'"]);
  });
});
