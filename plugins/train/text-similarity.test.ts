import { describe, expect, test } from 'vitest';
import { editSimilarity, jaccard } from './text-similarity.js';

describe('jaccard', () => {
  test('shared distinct terms over all distinct terms', () => {
    // {heart, holder, white} vs {heart, holder, red, t-light}: 2 shared of 5 distinct.
    expect(jaccard(new Set(['white', 'heart', 'holder']), new Set(['red', 'heart', 't-light', 'holder']))).toBe(2 / 5);
    expect(jaccard(new Set(['a']), new Set(['a']))).toBe(1);
    expect(jaccard(new Set(['a']), new Set(['b']))).toBe(0);
    expect(jaccard(new Set(), new Set())).toBe(0);
  });
});

describe('editSimilarity', () => {
  test('one minus the edit distance over the longer length', () => {
    // "t-light holder" → "tlight holder": one deletion over 14 characters.
    expect(editSimilarity('t-light holder', 'tlight holder')).toBeCloseTo(1 - 1 / 14, 12);
    // kitten → sitting: 3 edits (k→s, e→i, +g) over 7.
    expect(editSimilarity('kitten', 'sitting')).toBeCloseTo(4 / 7, 12);
    expect(editSimilarity('same', 'same')).toBe(1);
    expect(editSimilarity('', '')).toBe(0);
    expect(editSimilarity('abc', '')).toBe(0);
  });
});
