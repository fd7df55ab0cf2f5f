/**
 * The editor's shell: top bar, the page the URL names (editor or models; the editor stays mounted so that an
 * unsaved canvas survives a look at the models), the token prompt on a 401, and an error boundary per area.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiClient } from './api/client';
import { Editor } from './editor/Editor';
import { ModelsPage } from './models/ModelsPage';
import { ErrorBoundary } from './shell/ErrorBoundary';
import { useRoute } from './shell/router';
import { TokenPrompt } from './shell/TokenPrompt';
import { TopBar } from './shell/TopBar';
import './styles/global.css';

export function App({ api: given }: { api?: ApiClient }) {
  const api = useMemo(() => given ?? new ApiClient(), [given]);
  const [route, navigate] = useRoute();
  const [asking, setAsking] = useState(false);
  const [rejected, setRejected] = useState(false);
  const [epoch, setEpoch] = useState(0);
  const [signedIn, setSignedIn] = useState(() => !!api.token);
  const askingRef = useRef(asking);
  askingRef.current = asking;
  useEffect(() => {
    api.onUnauthorized = (sent) => {
      const current = api.token;
      // A 401 to a request sent before the current token was set (or with an older one) says nothing about the
      // current token: the requests made again with it (the epoch) will tell.
      if (current !== undefined && sent !== current) return;
      setRejected(sent !== undefined);
      setAsking(true);
    };
    // A token set elsewhere (another tab, the console) that the server accepts closes the prompt.
    api.onAccepted = (sent) => {
      if (!askingRef.current || sent !== api.token) return;
      askingRef.current = false;
      setSignedIn(true);
      setAsking(false);
      setRejected(false);
      setEpoch((n) => n + 1);
    };
    return () => void ((api.onUnauthorized = undefined), (api.onAccepted = undefined));
  }, [api]);
  const onToken = (token: string) => {
    api.token = token;
    setSignedIn(true);
    setAsking(false);
    setRejected(false);
    setEpoch((n) => n + 1);
  };
  return (
    <div className="app">
      <TopBar route={route} navigate={navigate} signedIn={signedIn} onSignOut={() => ((api.token = undefined), setSignedIn(false), setEpoch((n) => n + 1))} />
      <main className="page">
        <div className="page-slot" hidden={route.page !== 'editor'}>
          <ErrorBoundary area="editor">
            <Editor api={api} workflow={route.page === 'editor' ? route.workflow : undefined} navigate={navigate} epoch={epoch} />
          </ErrorBoundary>
        </div>
        {route.page === 'models' ? (
          <div className="page-slot">
            <ErrorBoundary area="models page">
              <ModelsPage key={epoch} api={api} />
            </ErrorBoundary>
          </div>
        ) : null}
      </main>
      {asking ? <TokenPrompt rejected={rejected} onToken={onToken} /> : null}
    </div>
  );
}
