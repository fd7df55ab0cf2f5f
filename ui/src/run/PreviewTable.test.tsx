import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, expect, test } from 'vitest';
import evaluation from './fixtures/evaluate-metrics.json';
import { MetricsChart } from './MetricsChart';
import { metricsChartData } from './metrics';
import { PreviewTable } from './PreviewTable';

afterEach(cleanup);

// The shape `GET …/nodes/clean/outputs/data/preview?rows=2` answered on the sample data.
const clean = {
  kind: 'dataset' as const,
  rows: 35845,
  columns: [
    { name: 'InvoiceNo', type: 'VARCHAR' },
    { name: 'Quantity', type: 'BIGINT' },
    { name: 'InvoiceDate', type: 'TIMESTAMP' },
    { name: 'UnitPrice', type: 'DOUBLE' },
    { name: 'CustomerID', type: 'BIGINT' },
  ],
  preview: {
    columns: ['InvoiceNo', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID'],
    rows: [
      ['565080', '8', '2011-09-01 08:25:00', 1.25, '13509'],
      ['565082', '2', '2011-09-01 09:15:00', 12.75, null],
    ],
  },
};

test('a dataset preview is a table: names and types in the header, the first rows, the row count', () => {
  render(<PreviewTable preview={clean} port="data" />);
  const table = screen.getByTestId('preview-table');
  expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['InvoiceNo varchar', 'Quantity bigint', 'InvoiceDate timestamp', 'UnitPrice double', 'CustomerID bigint']);
  const rows = within(table).getAllByRole('row').slice(1);
  expect(rows.map((r) => within(r).getAllByRole('cell').map((td) => td.textContent))).toEqual([
    ['565080', '8', '2011-09-01 08:25:00', '1.25', '13509'],
    ['565082', '2', '2011-09-01 09:15:00', '12.75', '∅'],
  ]);
  expect(within(table).getAllByRole('cell')[3]!.className).toBe('num');
  expect(table.querySelector('caption')!.textContent).toBe('data: 2 of 35,845 rows, 5 columns');
});

test("the metrics chart lists every model's metrics and each comparison's interval and verdict", () => {
  render(<MetricsChart data={metricsChartData(evaluation)!} />);
  const table = screen.getByTestId('metrics-table');
  const first = within(table).getAllByRole('row')[1]!;
  expect(within(first).getByRole('rowheader').textContent).toBe('ranker candidate');
  expect(within(first).getAllByRole('cell')[0]!.textContent).toBe(evaluation.models[0]!.ndcg.toFixed(4));
  const intervals = screen.getByTestId('chart-intervals');
  const iALS = within(intervals).getByRole('rowheader', { name: 'iALS' }).closest('tr')!;
  expect(iALS.textContent).toContain('fail');
  expect(iALS.textContent).toContain('−0.0500 … +0.0110');
  expect(screen.getByTestId('chart-metrics').textContent).toContain('gate failed');
});
