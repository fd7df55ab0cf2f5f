import { expect, test } from 'vitest';
import { pluginContract, runPlugin } from 'loom/testing';
import basketRules from './basket-rules.plugin.js';

const names: Record<string, string> = { T: 'TEA', C: 'CAKE', M: 'MILK', J: 'JAM', B: 'BREAD' };
const line = (invoice: string, item: string, quantity = 1, description = names[item]!) => ({ InvoiceNo: invoice, StockCode: item, Description: description, Quantity: quantity });

/**
 * Nine invoices. 8 is a return (Quantity < 0, left out by `where`), 9 is a wholesale order of 5 items (over
 * maxInvoiceItems 4). That leaves N = 7 baskets: tea in 4, cake in 4, milk in 3, jam and bread in 2 each; tea and
 * cake together in 3, tea and milk in 2, every other pair once.
 */
const lines = [
  ...['T', 'C', 'M'].map((i) => line('1', i)),
  ...['T', 'T', 'C'].map((i) => line('2', i)),
  ...['T', 'C', 'J'].map((i) => line('3', i)),
  line('4', 'T', 1, 'TEA (OLD NAME)'),
  line('4', 'M'),
  ...['J', 'B'].map((i) => line('5', i)),
  ...['B', 'M'].map((i) => line('6', i)),
  line('7', 'C'),
  line('8', 'T', -1),
  ...['T', 'C', 'J', 'B', 'M'].map((i) => line('9', i)),
];

const config = { where: 'Quantity > 0', minSupport: 0.25, minConfidence: 0.6, maxInvoiceItems: 4 };

pluginContract(basketRules, { samples: [{ config, inputs: { lines } }] });

test('finds the pairs in at least a quarter of the baskets, as rules both ways above the confidence asked', async () => {
  const run = await runPlugin(basketRules, { config, inputs: { lines } });
  // Lift is symmetric, so tea→cake and cake→tea tie; milk→tea is kept (2 of 3 milk baskets have tea), tea→milk
  // is not (2 of 4).
  expect(run.read('rules')).toEqual([
    { antecedent: 'C', antecedentDescription: 'CAKE', consequent: 'T', consequentDescription: 'TEA', invoices: 3, support: 3 / 7, confidence: 3 / 4, lift: 3 / 4 / (4 / 7) },
    { antecedent: 'T', antecedentDescription: 'TEA', consequent: 'C', consequentDescription: 'CAKE', invoices: 3, support: 3 / 7, confidence: 3 / 4, lift: 3 / 4 / (4 / 7) },
    { antecedent: 'M', antecedentDescription: 'MILK', consequent: 'T', consequentDescription: 'TEA', invoices: 2, support: 2 / 7, confidence: 2 / 3, lift: 2 / 3 / (4 / 7) },
  ]);
  expect(run.read('report')).toEqual({
    linesRead: 22,
    linesUsed: 21,
    invoices: 7,
    invoicesLeftOut: 1,
    items: 5,
    minInvoices: 2,
    frequentPairs: 2,
    rulesFound: 3,
    rulesKept: 3,
    where: 'Quantity > 0',
  });
  expect(run.logs).toEqual([{ level: 'info', message: '3 of 3 rules from 2 frequent pairs in 7 invoices' }]);
});

test('topN, sortBy and descriptionColumn: null', async () => {
  const run = await runPlugin(basketRules, {
    config: { ...config, minConfidence: 0, topN: 2, sortBy: 'support', descriptionColumn: null },
    inputs: { lines },
  });
  expect(run.read('rules')).toEqual([
    { antecedent: 'C', consequent: 'T', invoices: 3, support: 3 / 7, confidence: 3 / 4, lift: 3 / 4 / (4 / 7) },
    { antecedent: 'T', consequent: 'C', invoices: 3, support: 3 / 7, confidence: 3 / 4, lift: 3 / 4 / (4 / 7) },
  ]);
  expect(run.read('report')).toMatchObject({ rulesFound: 4, rulesKept: 2 });
});

test('no pair frequent enough gives no rules, not an error', async () => {
  const run = await runPlugin(basketRules, { config: { ...config, minSupport: 0.9 }, inputs: { lines } });
  expect(run.read('rules')).toEqual([]);
  expect(run.read('report')).toMatchObject({ invoices: 7, minInvoices: 7, frequentPairs: 0, rulesKept: 0 });
});

test('a missing column or a bad condition is a clear error that is not retried', async () => {
  await expect(runPlugin(basketRules, { config: { itemColumn: 'Sku' }, inputs: { lines } })).rejects.toMatchObject({
    message: 'itemColumn: column "Sku" not found; columns are InvoiceNo, StockCode, Description, Quantity',
    retryable: false,
  });
  await expect(runPlugin(basketRules, { config: { where: 'Quantiy > 0' }, inputs: { lines } })).rejects.toMatchObject({
    message: expect.stringMatching(/^where: "Quantiy > 0" is not a valid expression here: Binder Error: .*"Quantiy"/),
    retryable: false,
  });
});
