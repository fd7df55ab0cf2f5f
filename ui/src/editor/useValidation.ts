/**
 * Live validation: a while after the last edit, the document goes to `POST /api/workflows/validate` and each
 * located problem is mapped to its node (by index, in the very document that was checked). Answers to older
 * documents are dropped.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { WorkflowDoc } from '../api/types';
import { locate, problemsByNode, type Located } from './pointers';

export const VALIDATE_DEBOUNCE_MS = 400;

export interface ValidationView {
  readonly state: 'idle' | 'checking' | 'valid' | 'invalid' | 'unavailable';
  readonly located: readonly Located[];
  readonly byNode: ReadonlyMap<string, readonly string[]>;
  readonly error?: string;
}

const EMPTY: ValidationView = { state: 'idle', located: [], byNode: new Map() };

export function useValidation(api: ApiClient, doc: WorkflowDoc, epoch = 0): ValidationView {
  const [view, setView] = useState<ValidationView>(EMPTY);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setView((v) => (v.state === 'checking' ? v : { ...v, state: 'checking' }));
    const timer = setTimeout(async () => {
      try {
        const verdict = await api.validate(doc);
        if (mine !== seq.current) return;
        const located = verdict.problems.map((p) => locate(doc, p));
        setView({ state: verdict.valid ? 'valid' : 'invalid', located, byNode: problemsByNode(located) });
      } catch (error) {
        if (mine !== seq.current) return;
        setView((v) => ({ ...v, state: 'unavailable', error: (error as Error).message }));
      }
    }, VALIDATE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [api, doc, epoch]);
  return useMemo(() => view, [view]);
}
