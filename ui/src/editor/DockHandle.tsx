/**
 * The handle between the canvas and the run dock: drag it, or focus it and use the arrow keys (Up grows the dock,
 * Page Up/Down by more, Home/End to the limits). An ARIA window splitter; the height is remembered.
 */
import { useRef, type KeyboardEvent, type PointerEvent, type RefObject } from 'react';
import { clampDock, DOCK_MIN, keyedDockHeight, storeDockHeight } from './dock-height';

export interface DockHandleProps {
  /** The dock's box (its height is measured while no height was set). */
  readonly dock: RefObject<HTMLElement | null>;
  /** The canvas and the dock together (their heights bound the dock's). */
  readonly area: RefObject<HTMLElement | null>;
  readonly height: number | undefined;
  readonly onHeight: (height: number) => void;
}

export function DockHandle({ dock, area, height, onHeight }: DockHandleProps) {
  const drag = useRef<{ y: number; height: number; space: number }>(undefined);
  const measure = () => ({ height: height ?? dock.current?.getBoundingClientRect().height ?? DOCK_MIN, space: space(area.current, dock.current) });

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture?.(e.pointerId);
    drag.current = { y: e.clientY, ...measure() };
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (d) onHeight(clampDock(d.height + (d.y - e.clientY), d.space));
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    drag.current = undefined;
    const next = clampDock(d.height + (d.y - e.clientY), d.space);
    onHeight(next);
    storeDockHeight(next);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const now = measure();
    const next = keyedDockHeight(e.key, now.height, now.space);
    if (next === undefined) return;
    e.preventDefault();
    onHeight(next);
    storeDockHeight(next);
  };

  const now = height ?? Math.round(dock.current?.getBoundingClientRect().height ?? 0);
  return (
    <div
      className="dock-handle"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize the run dock"
      aria-valuemin={DOCK_MIN}
      aria-valuenow={now || undefined}
      tabIndex={0}
      title="Drag, or use the arrow keys, to resize the run dock"
      data-testid="dock-handle"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onKeyDown={onKeyDown}
    />
  );
}

/** The height the canvas and the dock share (unbounded where nothing is laid out, as in tests). */
function space(area: HTMLElement | null, dock: HTMLElement | null): number {
  const canvas = area?.querySelector<HTMLElement>('.canvas');
  const shared = (canvas?.getBoundingClientRect().height ?? 0) + (dock?.getBoundingClientRect().height ?? 0);
  return shared > 0 ? shared : Number.POSITIVE_INFINITY;
}
