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
  const chart = useRef<uPlot>(undefined);
  const latest = useRef(data);
  latest.current = data;
  const [failure, setFailure] = useState<string>();

  // Built when the options or height change; new data alone is handed to the chart as it is (no rebuild, no flicker).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // uPlot draws in a later microtask, out of reach of a try/catch: without a 2D canvas it is not built at all.
    if (!canDraw()) return setFailure('no 2D canvas');
    // The box's width is the dock's share for the chart; a box not laid out yet (a hidden tab) is sized when it is.
    const width = () => Math.max(200, Math.floor(el.getBoundingClientRect().width) || 480);
    try {
      chart.current = new uPlot({ ...options, width: width(), height }, latest.current, el);
      setFailure(undefined);
    } catch (error) {
      setFailure((error as Error).message);
      return;
    }
    const built = chart.current;
    let last = built.width;
    const observer = typeof ResizeObserver === 'function'
      ? new ResizeObserver(() => {
          const w = width();
          if (w !== last) built.setSize({ width: (last = w), height });
        })
      : undefined;
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      built.destroy();
      if (chart.current === built) chart.current = undefined;
    };
  }, [options, height]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  return (
    <div className="uplot-box" role="img" aria-label={label}>
      <div ref={box} className="uplot-fill" />
      {failure && <p className="run-muted">The chart cannot be drawn here ({failure}).</p>}
    </div>
  );
}
