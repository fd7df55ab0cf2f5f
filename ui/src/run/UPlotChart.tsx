/**
 * A uPlot chart in a React box: built on mount and when its data changes, resized with its box, destroyed on
 * unmount. A chart that cannot draw (no canvas, bad data) says so instead of breaking the dock.
 */
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface UPlotChartProps {
  readonly options: Omit<uPlot.Options, 'width' | 'height'>;
  readonly data: uPlot.AlignedData;
  readonly height?: number;
  readonly label: string;
}

let drawable: boolean | undefined;
function canDraw(): boolean {
  try {
    drawable ??= document.createElement('canvas').getContext('2d') !== null;
  } catch {
    drawable = false;
  }
  return drawable;
}

export function UPlotChart({ options, data, height = 180, label }: UPlotChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [failure, setFailure] = useState<string>();

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let chart: uPlot | undefined;
    // uPlot draws in a later microtask, out of reach of a try/catch: without a 2D canvas it is not built at all.
    if (!canDraw()) return setFailure('no 2D canvas');
    try {
      chart = new uPlot({ ...options, width: Math.max(200, el.clientWidth || 480), height }, data, el);
      setFailure(undefined);
    } catch (error) {
      setFailure((error as Error).message);
      return;
    }
    const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => chart?.setSize({ width: Math.max(200, el.clientWidth), height })) : undefined;
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      chart?.destroy();
    };
  }, [options, data, height]);

  return (
    <div className="uplot-box" role="img" aria-label={label}>
      <div ref={box} />
      {failure && <p className="run-muted">The chart cannot be drawn here ({failure}).</p>}
    </div>
  );
}
