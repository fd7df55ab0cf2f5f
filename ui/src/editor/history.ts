/**
 * Undo/redo over whole documents. Documents are immutable, so a state is a reference and a step costs nothing
 * to keep. Edits with the same tag in quick succession (typing in one form field) coalesce into one step.
 */
export interface History<T> {
  readonly past: readonly T[];
  readonly present: T;
  readonly future: readonly T[];
  readonly tag?: string;
  readonly at?: number;
}

const LIMIT = 200;
const COALESCE_MS = 1000;

export const start = <T>(present: T): History<T> => ({ past: [], present, future: [] });

export function record<T>(h: History<T>, next: T, options: { tag?: string; now?: number } = {}): History<T> {
  if (next === h.present) return h;
  const now = options.now ?? Date.now();
  if (options.tag !== undefined && options.tag === h.tag && h.at !== undefined && now - h.at < COALESCE_MS)
    return { ...h, present: next, future: [], at: now };
  return { past: [...h.past, h.present].slice(-LIMIT), present: next, future: [], tag: options.tag, at: now };
}

export function undo<T>(h: History<T>): History<T> {
  if (h.past.length === 0) return h;
  return { past: h.past.slice(0, -1), present: h.past[h.past.length - 1]!, future: [h.present, ...h.future] };
}

export function redo<T>(h: History<T>): History<T> {
  if (h.future.length === 0) return h;
  return { past: [...h.past, h.present], present: h.future[0]!, future: h.future.slice(1) };
}
