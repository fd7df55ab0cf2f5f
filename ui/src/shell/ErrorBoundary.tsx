/** Shows what broke instead of a blank page: an area that throws is replaced by its error and a way back. */
import { Component, type ErrorInfo, type ReactNode } from 'react';

export class ErrorBoundary extends Component<{ area: string; children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(`${this.props.area} crashed`, error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="crash" role="alert" data-testid="crash">
        <h2>The {this.props.area} hit a problem</h2>
        <pre>{error.message}</pre>
        <div className="crash-actions">
          <button type="button" onClick={() => this.setState({ error: undefined })}>Try again</button>
          <button type="button" onClick={() => ((window.location.hash = '#/'), window.location.reload())}>Start over</button>
        </div>
      </div>
    );
  }
}
