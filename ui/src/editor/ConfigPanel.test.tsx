import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, expect, test } from 'vitest';
import type { PluginDescription, WorkflowDoc } from '../api/types';
import { ConfigPanel } from './ConfigPanel';
import { indexPlugins } from './plugins';
import { testPlugins } from './test-plugins';

const basket: PluginDescription = {
  name: 'basket-rules',
  version: '1.2.0',
  title: 'Basket rules',
  description: 'Association rules from invoice lines.',
  category: 'train',
  inputs: [],
  outputs: [],
  config: { type: 'object', properties: {} },
  volatile: false,
  capabilities: { network: false, files: false, secrets: ['SHOP_API_KEY'] },
  source: { kind: 'package', name: '@acme/loom-basket-rules', version: '1.2.0', path: '/srv/node_modules/@acme/loom-basket-rules' },
};

afterEach(cleanup);

const doc = (plugin: string): WorkflowDoc => ({ version: 1, name: 'w', nodes: [{ id: 'n', plugin }] }) as WorkflowDoc;
const panel = (plugin: string) =>
  render(
    <ConfigPanel doc={doc(plugin)} plugins={indexPlugins([...testPlugins, basket])} selectedId="n" located={[]} onRename={() => undefined} onNodeChange={() => {}} onDocChange={() => {}} />,
  );

test('a third-party plugin shows its package and what it needs before it is used', () => {
  panel('basket-rules');
  const caps = screen.getByTestId('capabilities');
  expect(caps.textContent).toContain('Third party: @acme/loom-basket-rules@1.2.0 (runs in its own process)');
  expect(caps.textContent).toContain('Needs: secret SHOP_API_KEY');
});

test('a built-in plugin that declares nothing shows no declarations', () => {
  panel('clean');
  expect(screen.queryByTestId('capabilities')).toBeNull();
});
