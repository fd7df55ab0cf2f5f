import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ConfigForm } from './ConfigForm';
import { formSchema } from './form-schema';

afterEach(cleanup);

// The shape plugins send: TypeBox writes choices as anyOf of consts.
const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['ms', 'format'],
  properties: {
    ms: { type: 'integer', minimum: 0, maximum: 1000, default: 250, description: 'How long to wait.' },
    format: { default: 'csv', description: 'The file format.', anyOf: [{ const: 'auto', type: 'string' }, { const: 'csv', type: 'string' }, { const: 'json', type: 'string' }] },
    path: { type: 'string', minLength: 1, description: 'Files to read.' },
  },
};

test('TypeBox choices become an enum', () => {
  expect(formSchema(schema).properties).toMatchObject({ format: { type: 'string', enum: ['auto', 'csv', 'json'], default: 'csv' } });
});

test('defaults fill the fields, choices are a select, descriptions are help', () => {
  const { container } = render(<ConfigForm schema={schema} value={{}} onChange={() => {}} />);
  expect((container.querySelector('#root_ms') as HTMLInputElement).value).toBe('250');
  const select = container.querySelector('select#root_format') as HTMLSelectElement;
  expect(select.value).toBe('1'); // rjsf selects by option index: "csv"
  expect([...select.options].map((o) => o.textContent)).toContain('json');
  expect(screen.getByText('How long to wait.')).toBeTruthy();
  expect(screen.getByText('Files to read.')).toBeTruthy();
});

test('an invalid value shows its error inline, and the change is still reported', async () => {
  const onChange = vi.fn();
  const { container } = render(<ConfigForm schema={schema} value={{ ms: 250 }} onChange={onChange} />);
  await act(async () => {
    fireEvent.change(container.querySelector('#root_ms')!, { target: { value: '5000' } });
  });
  expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ ms: 5000 }));
  expect(container.querySelector('#root_ms')!.closest('.form-group')!.textContent).toContain('must be <= 1000');
});

test('a number field switched to a param takes a reference without an error', async () => {
  const onChange = vi.fn();
  const { container } = render(<ConfigForm schema={schema} value={{ ms: 250 }} params={['wait']} onChange={onChange} />);
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: /ms: use a workflow param/ }));
  });
  expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ ms: '${params.wait}' }));
  expect(container.querySelector('#root_ms')!.closest('.form-group')!.querySelector('.error-detail')).toBeNull();
});

test("the server's located problems show on their field", () => {
  const { container } = render(<ConfigForm schema={schema} value={{ path: 'x' }} onChange={() => {}} serverErrors={{ path: { __errors: ['no file matches "x"'] } }} />);
  expect(container.querySelector('#root_path')!.closest('.form-group')!.textContent).toContain('no file matches "x"');
});

describe('tagged unions and untouched fields stay quiet', () => {
  const where = { type: 'string', minLength: 1, description: 'A SQL expression.' };
  const columns = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } };
  // clean's rules: a oneOf told apart by `op`.
  const clean = {
    type: 'object',
    additionalProperties: false,
    required: ['rules'],
    properties: {
      rules: {
        type: 'array',
        default: [],
        items: {
          oneOf: [
            { title: 'dropRows', type: 'object', additionalProperties: false, required: ['op', 'where'], properties: { op: { const: 'dropRows', type: 'string' }, where } },
            { title: 'keepRows', type: 'object', additionalProperties: false, required: ['op', 'where'], properties: { op: { const: 'keepRows', type: 'string' }, where } },
            { title: 'dropColumns', type: 'object', additionalProperties: false, required: ['op', 'columns'], properties: { op: { const: 'dropColumns', type: 'string' }, columns } },
          ],
        },
      },
    },
  };

  /** The form as the panel uses it: its changes come back as its value. */
  function Harness({ initial, attempted }: { initial: Record<string, unknown>; attempted?: boolean }) {
    const [value, setValue] = useState(initial);
    return <ConfigForm schema={clean} value={value} onChange={setValue} attempted={attempted ?? false} />;
  }
  const errorsText = (container: HTMLElement) => [...container.querySelectorAll('.error-detail li')].map((li) => li.textContent).filter(Boolean);

  test('a freshly added rule shows no errors; its own field shows its own error once touched, and nothing else', async () => {
    const { container } = render(<Harness initial={{ rules: [] }} />);
    await act(async () => fireEvent.click(container.querySelector('#root_rules__add')!));
    expect(container.querySelector('#root_rules_0_where')).toBeTruthy();
    expect(errorsText(container)).toEqual([]);
    await act(async () => fireEvent.change(container.querySelector('#root_rules_0_where')!, { target: { value: 'x' } }));
    await act(async () => fireEvent.change(container.querySelector('#root_rules_0_where')!, { target: { value: '' } }));
    const shown = errorsText(container);
    expect(shown.join(' | ')).not.toMatch(/constant|oneOf|exactly one/);
    expect(shown.length).toBeLessThanOrEqual(1);
  });

  test('after a save attempt, the missing required field of the picked branch shows, once', async () => {
    const value = { rules: [{ op: 'keepRows' }] };
    const { container, rerender } = render(<ConfigForm schema={clean} value={value} onChange={() => {}} />);
    expect(errorsText(container)).toEqual([]);
    rerender(<ConfigForm schema={clean} value={value} onChange={() => {}} attempted />);
    await act(async () => {});
    expect(errorsText(container)).toEqual(["must have required property 'where'"]);
  });
});
