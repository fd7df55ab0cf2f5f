/** What the port colours mean. */
import { memo } from 'react';
import { PORT_TYPES } from './wiring';

export const Legend = memo(function Legend() {
  return (
    <ul className="legend" aria-label="Port types">
      {PORT_TYPES.map((t) => (
        <li key={t}><span className={`swatch port-${t}`} aria-hidden="true" />{t}</li>
      ))}
    </ul>
  );
});
