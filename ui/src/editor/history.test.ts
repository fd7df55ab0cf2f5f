import { expect, test } from 'vitest';
import { record, redo, start, undo } from './history';

test('undo and redo walk the states; a new edit drops the redo branch', () => {
  let h = start('a');
  h = record(h, 'b', { now: 0 });
  h = record(h, 'c', { now: 5000 });
  h = undo(h);
  expect(h.present).toBe('b');
  h = undo(h);
  expect(h.present).toBe('a');
  expect(undo(h)).toBe(h);
  h = redo(h);
  expect(h.present).toBe('b');
  h = record(h, 'd', { now: 9000 });
  expect(h.future).toEqual([]);
  expect(redo(h)).toBe(h);
  expect(undo(h).present).toBe('b');
});

test('quick edits with one tag are one step; another tag or a pause starts a new one', () => {
  let h = start('');
  h = record(h, 'h', { tag: 'config:a', now: 0 });
  h = record(h, 'he', { tag: 'config:a', now: 300 });
  h = record(h, 'hey', { tag: 'config:a', now: 600 });
  expect(undo(h).present).toBe('');
  h = record(h, 'hey!', { tag: 'config:a', now: 5000 });
  expect(undo(h).present).toBe('hey');
  h = record(h, 'x', { tag: 'title:a', now: 5100 });
  expect(undo(h).present).toBe('hey!');
});
