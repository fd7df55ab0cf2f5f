import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useRef, useState } from 'react';
import { afterEach, describe, expect, test } from 'vitest';
import { fitOptions, MINIMAP } from './Canvas';
import { clampDock, DOCK_KEY, DOCK_MIN, DOCK_STEP, keyedDockHeight, storedDockHeight } from './dock-height';
import { DockHandle } from './DockHandle';

afterEach(() => {
  cleanup();
  localStorage.removeItem(DOCK_KEY);
});

describe('the dock height', () => {
  test('stays between the minimum and what leaves the canvas 200 px', () => {
    expect(clampDock(50, 800)).toBe(DOCK_MIN);
    expect(clampDock(700, 800)).toBe(600);
    expect(clampDock(333.4, 800)).toBe(333);
  });

  test('keys: Up grows the dock, Down shrinks it, Page keys by more, Home and End to the limits', () => {
    expect(keyedDockHeight('ArrowUp', 300, 800)).toBe(300 + DOCK_STEP);
    expect(keyedDockHeight('ArrowDown', 300, 800)).toBe(300 - DOCK_STEP);
    expect(keyedDockHeight('PageUp', 300, 800)).toBe(300 + 5 * DOCK_STEP);
    expect(keyedDockHeight('Home', 300, 800)).toBe(DOCK_MIN);
    expect(keyedDockHeight('End', 300, 800)).toBe(600);
    expect(keyedDockHeight('a', 300, 800)).toBeUndefined();
  });

  test('a stored height is read back; nonsense is ignored', () => {
    localStorage.setItem(DOCK_KEY, '420');
    expect(storedDockHeight()).toBe(420);
    localStorage.setItem(DOCK_KEY, 'tall');
    expect(storedDockHeight()).toBeUndefined();
  });
});

function Harness() {
  const [height, setHeight] = useState<number | undefined>(300);
  const dock = useRef<HTMLDivElement>(null);
  const area = useRef<HTMLDivElement>(null);
  return (
    <div ref={area}>
      <DockHandle dock={dock} area={area} height={height} onHeight={setHeight} />
      <div ref={dock} data-testid="dock" data-height={height} />
    </div>
  );
}

describe('the dock handle', () => {
  test('is a focusable separator that the keyboard resizes, and the height is remembered', () => {
    render(<Harness />);
    const handle = screen.getByRole('separator', { name: 'Resize the run dock' });
    expect(handle.tabIndex).toBe(0);
    expect(handle.getAttribute('aria-valuenow')).toBe('300');
    fireEvent.keyDown(handle, { key: 'ArrowUp' });
    expect(screen.getByTestId('dock').dataset.height).toBe(String(300 + DOCK_STEP));
    expect(localStorage.getItem(DOCK_KEY)).toBe(String(300 + DOCK_STEP));
  });

  test('dragging it up grows the dock by as much', () => {
    render(<Harness />);
    const handle = screen.getByRole('separator');
    fireEvent.pointerDown(handle, { button: 0, clientY: 500, pointerId: 1 });
    fireEvent.pointerMove(handle, { clientY: 400, pointerId: 1 });
    expect(screen.getByTestId('dock').dataset.height).toBe('400');
    fireEvent.pointerUp(handle, { clientY: 380, pointerId: 1 });
    expect(screen.getByTestId('dock').dataset.height).toBe('420');
    expect(localStorage.getItem(DOCK_KEY)).toBe('420');
  });
});

test('fit view keeps nodes clear of the minimap while it is shown', () => {
  const right = (shown: boolean) => parseInt(String((fitOptions(shown).padding as { right: string }).right), 10);
  expect(right(true)).toBeGreaterThan(MINIMAP.width + 15);
  expect(right(false)).toBeLessThan(MINIMAP.width);
});
