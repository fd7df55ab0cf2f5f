/** A failed request on the models page; a 403 says plainly that the action needs an admin token. */
import { ApiError } from '../api/client';

export function ModelsError({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  const forbidden = error instanceof ApiError && error.status === 403;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="models-alert" role="alert" data-testid="models-error" data-status={error instanceof ApiError ? error.status : undefined}>
      {forbidden ? <strong>Only an admin may do this. </strong> : null}
      {message}
      {onDismiss && (
        <button type="button" onClick={onDismiss} style={{ marginLeft: 8 }}>
          Dismiss
        </button>
      )}
    </div>
  );
}
