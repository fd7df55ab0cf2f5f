/** Asked for when the API answers 401: the token is kept by the ApiClient (localStorage) and the requests retried. */
import { useState } from 'react';

export function TokenPrompt({ onToken, rejected }: { onToken: (token: string) => void; rejected: boolean }) {
  const [token, setToken] = useState('');
  return (
    <div className="dialog-backdrop">
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label="Sign in"
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onToken(token.trim());
        }}
      >
        <h2>Sign in to Loom</h2>
        <p className="muted">This server needs an API token (see <code>LOOM_TOKENS</code> on the server).</p>
        {rejected ? <p className="field-error" role="alert">That token was not accepted.</p> : null}
        <label className="field">
          <span>API token</span>
          <input type="password" autoFocus autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />
        </label>
        <div className="dialog-actions">
          <button type="submit" className="primary" disabled={!token.trim()}>Sign in</button>
        </div>
      </form>
    </div>
  );
}
