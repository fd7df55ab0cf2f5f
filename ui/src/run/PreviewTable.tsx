/** A dataset output's preview: the schema (names and types) as the header, the first rows, the row count. */
import type { Preview } from '../api/types';

type DatasetPreview = Extract<Preview, { kind: 'dataset' }>;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '∅';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|REAL|DOUBLE|DECIMAL)/i;

export function PreviewTable({ preview, port }: { preview: DatasetPreview; port: string }) {
  const types = new Map(preview.columns.map((c) => [c.name, c.type]));
  const names = preview.preview.columns.length > 0 ? preview.preview.columns : preview.columns.map((c) => c.name);
  const shown = preview.preview.rows.length;
  return (
    <div className="preview">
      <div className="preview-scroll">
        <table className="run-table" data-testid="preview-table" data-rows={preview.rows}>
          <caption>
            {port}: {shown} of {preview.rows.toLocaleString('en')} rows, {names.length} columns
          </caption>
          <thead>
            <tr>
              {names.map((name) => (
                <th scope="col" key={name}>
                  {name} <span className="col-type">{(types.get(name) ?? '').toLowerCase()}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.preview.rows.map((row, r) => (
              <tr key={r}>
                {names.map((name, c) => (
                  <td key={name} className={NUMERIC.test(types.get(name) ?? '') ? 'num' : undefined}>
                    {cell(row[c])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** A JSON or metrics output, pretty-printed. */
export function JsonView({ value, port }: { value: unknown; port: string }) {
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    text = String(value);
  }
  return (
    <pre className="json-view" data-testid={`json-${port}`}>
      {text}
    </pre>
  );
}
