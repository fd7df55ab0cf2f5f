/** An error as people should read it: the server's message, and the located problems of an invalid workflow. */
import { ApiError } from '../api/client';
import type { Problem } from '../api/types';

export function problemsOf(error: unknown): Problem[] {
  const details = error instanceof ApiError ? (error.details as { problems?: unknown } | undefined) : undefined;
  return Array.isArray(details?.problems) ? (details.problems as Problem[]).filter((p) => p && typeof p.message === 'string') : [];
}

export function ErrorNote({ error, testId, onDismiss }: { error: unknown; testId?: string; onDismiss?: () => void }) {
  const problems = problemsOf(error);
  const status = error instanceof ApiError ? error.status : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="run-alert" role="alert" data-testid={testId} data-code={error instanceof ApiError ? error.code : undefined}>
      <strong>{status === 403 ? 'Not allowed: ' : status ? `${status} ` : ''}</strong>
      {message}
      {problems.length > 0 && (
        <ul>
          {problems.map((p, i) => (
            <li key={i}>
              <code>{p.pointer || '(document)'}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
