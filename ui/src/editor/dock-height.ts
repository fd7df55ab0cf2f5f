/**
 * The run dock's height: dragged or keyed on the handle between canvas and dock, remembered in localStorage. Until
 * the user sets one, CSS gives the default (a share of the editor's height).
 */
export const DOCK_KEY = 'loom.dockHeight';
export const DOCK_MIN = 120;
/** The canvas keeps at least this much (its CSS min-height). */
export const CANVAS_MIN = 200;
/** One arrow key press; Page Up/Down move five. */
export const DOCK_STEP = 24;

type Store = Pick<Storage, 'getItem' | 'setItem'> | undefined;
const storage = (): Store => (typeof localStorage === 'undefined' ? undefined : localStorage);

export function storedDockHeight(store: Store = storage()): number | undefined {
  const n = Number(store?.getItem(DOCK_KEY));
  return Number.isFinite(n) && n >= DOCK_MIN ? Math.round(n) : undefined;
}

export function storeDockHeight(height: number, store: Store = storage()): void {
  try {
    store?.setItem(DOCK_KEY, String(Math.round(height)));
  } catch {
    // A full or forbidden storage only loses the remembering.
  }
}

/** The height kept between the dock's minimum and what leaves the canvas its minimum (`space`: the canvas's and the dock's heights together). */
export function clampDock(height: number, space: number): number {
  const max = Math.max(DOCK_MIN, space - CANVAS_MIN);
  return Math.round(Math.min(Math.max(height, DOCK_MIN), max));
}

/** The height a key asks for, or undefined for a key the handle does not use. The dock is below: Up grows it. */
export function keyedDockHeight(key: string, height: number, space: number): number | undefined {
  const moves: Record<string, number> = { ArrowUp: DOCK_STEP, ArrowDown: -DOCK_STEP, PageUp: 5 * DOCK_STEP, PageDown: -5 * DOCK_STEP };
  if (key in moves) return clampDock(height + moves[key]!, space);
  if (key === 'Home') return clampDock(DOCK_MIN, space);
  if (key === 'End') return clampDock(Number.POSITIVE_INFINITY, space);
  return undefined;
}
