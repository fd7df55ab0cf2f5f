/**
 * Training loss per iteration: from a train node's `report` output when it keeps them (iALS: `params.losses`),
 * else from its progress messages as they arrive (`iteration 3: loss 21911.9`, gradient boosting's
 * `round 3 of 50, train log loss 0.4213`).
 */
export interface LossPoint {
  readonly iteration: number;
  readonly loss: number;
}

const PATTERNS = [/\biteration\s+(\d+)\s*:\s*loss\s+([-+0-9.eE]+)/i, /\bround\s+(\d+)(?:\s+of\s+\d+)?,\s*(?:train\s+)?(?:log\s+)?loss\s+([-+0-9.eE]+)/i];

export function parseLoss(message: string): LossPoint | undefined {
  for (const pattern of PATTERNS) {
    const match = pattern.exec(message);
    if (!match) continue;
    const iteration = Number(match[1]);
    const loss = Number(match[2]);
    if (Number.isFinite(iteration) && Number.isFinite(loss)) return { iteration, loss };
  }
  return undefined;
}

/** One point per iteration (the last message of an iteration wins), in iteration order. */
export function lossFromMessages(messages: Iterable<string>): LossPoint[] {
  const byIteration = new Map<number, number>();
  for (const message of messages) {
    const point = parseLoss(message);
    if (point) byIteration.set(point.iteration, point.loss);
  }
  return [...byIteration].sort(([a], [b]) => a - b).map(([iteration, loss]) => ({ iteration, loss }));
}

/** The losses a train report keeps, if it does: `{ params: { losses: number[] } }`, iteration 1 first. */
export function lossFromReport(report: unknown): LossPoint[] {
  const losses = (report as { params?: { losses?: unknown } } | null)?.params?.losses;
  if (!Array.isArray(losses)) return [];
  return losses.flatMap((loss, i) => (typeof loss === 'number' && Number.isFinite(loss) ? [{ iteration: i + 1, loss }] : []));
}
