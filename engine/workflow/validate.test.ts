import { describe, expect, test } from 'vitest';
import { formatProblem } from '../errors.js';
import { PluginRegistry } from '../plugin/registry.js';
import { builtinPlugins } from '../../plugins/builtin.js';
import { typedPlugins } from '../../test/fixtures/typed-plugins.js';
import { workflow } from '../../test/builder.js';
import { validateWorkflow, type ValidateOptions } from './validate.js';

// The utility built-ins, and typed fixtures standing in for the data and ML plugins (whose names they share).
const utilities = builtinPlugins.filter((p) => ['constant', 'noop', 'sleep', 'fail'].includes(p.name));
const registry = new PluginRegistry([...utilities, ...typedPlugins]);

function problems(doc: unknown, options?: ValidateOptions): string[] {
  return validateWorkflow(doc, registry, options).problems.map(formatProblem);
}

describe('a valid workflow', () => {
  test('compiles, with config defaults filled in and inputs sorted by port', () => {
    // read ──► clean ──► train ──► evaluate
    //   └───────────────────────────┘
    const doc = workflow('retail')
      .node('read', 'read', { config: { path: 'x.csv' } })
      .node('clean', 'clean@^1', { inputs: { data: 'read.data' } })
      .node('train', 'train', { inputs: { data: 'clean.data' } })
      .node('evaluate', 'evaluate', { inputs: { model: 'train.model', data: 'read.data' }, retry: { maxAttempts: 3 } })
      .build();
    const result = validateWorkflow(doc, registry);
    expect(result.problems).toEqual([]);
    if (!result.ok) return;
    const byId = Object.fromEntries(result.workflow.nodes.map((n) => [n.id, n]));
    expect(byId.clean).toMatchObject({ plugin: 'clean', version: '1.4.0', config: { rules: [] }, cache: true });
    expect(byId.evaluate!.inputs.map((i) => i.port)).toEqual(['data', 'model']);
    expect(byId.evaluate!.dependsOn).toEqual(['train', 'read']);
    expect(byId.evaluate!.retry).toEqual({ maxAttempts: 3, backoffMs: 1000, backoffCoefficient: 2, maxBackoffMs: 300_000 });
  });
});

describe('schema violations', () => {
  test('name the field and say what is wrong with it', () => {
    const doc = { version: 2, name: 'bad name', nodes: [{ id: '1st', plugin: 'noop', colour: 'red' }, { id: 'b' }, 'c'] };
    expect(problems(doc)).toEqual([
      '/name: "bad name" is not valid here (use a letter or digit followed by letters, digits, ".", "_" or "-")',
      '/nodes/0/colour: unknown field "colour"',
      '/nodes/0/id: "1st" is not valid here (use a letter followed by letters, digits, "_" or "-")',
      '/nodes/1: missing required field "plugin"',
      '/nodes/2: must be an object, not "c"',
      '/version: must be 1, not number 2',
    ]);
  });

  test('a misspelt field gets a suggestion', () => {
    expect(problems({ version: 1, name: 'w', nodes: [{ id: 'a', plugin: 'noop', timeoutMS: 5 }] })).toEqual([
      '/nodes/0/timeoutMS: unknown field "timeoutMS"; did you mean "timeoutMs"?',
    ]);
  });

  test('a root that is not an object', () => {
    expect(problems([1, 2])).toEqual(['(root): must be an object, not an array']);
    expect(problems('"just a string"')).toEqual(['(root): must be an object, not "just a string"']);
  });

  test('an input wired to something that is not a port reference', () => {
    const doc = workflow().node('a', 'noop').node('b', 'noop', { inputs: { in: 'a' } }).build();
    expect(problems(doc)).toEqual(['/nodes/1/inputs/in: must be "<nodeId>.<outputPort>" or a non-empty list of them, not "a"']);
  });
});

describe('ids and plugins', () => {
  test('duplicate ids point at the second use', () => {
    const doc = workflow().node('a', 'noop').node('a', 'noop').build();
    expect(problems(doc)).toEqual(['/nodes/1/id: duplicate node id "a" (first used at /nodes/0)']);
  });

  test('an unknown plugin suggests the closest one', () => {
    const doc = workflow().node('a', 'claen').node('b', 'zzzzzz').build();
    expect(problems(doc)).toEqual(['/nodes/0/plugin: unknown plugin "claen"; did you mean "clean"?', '/nodes/1/plugin: unknown plugin "zzzzzz"']);
  });

  test('a version range the installed plugin does not satisfy', () => {
    const doc = workflow().node('a', 'train@^1').node('b', 'noop@>=1 <2').node('c', 'noop@not-a-range').build();
    expect(problems(doc)).toEqual([
      '/nodes/0/plugin: plugin "train" has version 2.0.0, which does not satisfy "^1"',
      '/nodes/2/plugin: "not-a-range" is not a valid semver range',
    ]);
  });
});

describe('wiring', () => {
  test('unknown input port, unknown upstream node, unknown output port', () => {
    const doc = workflow()
      .node('read', 'read', { config: { path: 'x' } })
      .node('clean', 'clean', { inputs: { dat: 'read.data', data: 'raed.data' } })
      .node('train', 'train', { inputs: { data: 'read.dta' } })
      .build();
    expect(problems(doc)).toEqual([
      '/nodes/1/inputs/dat: plugin "clean" has no input "dat"; did you mean "data"?; its inputs are "data"',
      '/nodes/1/inputs/data: unknown node "raed"; did you mean "read"?',
      '/nodes/2/inputs/data: node "read" (plugin "read") has no output "dta"; did you mean "data"?; its outputs are "data" and "rejects"',
    ]);
  });

  test('a model wired into a dataset input', () => {
    const doc = workflow()
      .node('read', 'read', { config: { path: 'x' } })
      .node('train', 'train', { inputs: { data: 'read.data' } })
      .node('again', 'train', { inputs: { data: 'train.model' } })
      .build();
    expect(problems(doc)).toEqual(['/nodes/2/inputs/data: input "data" expects dataset but "train.model" is model']);
  });

  test('any accepts every type and offers every type', () => {
    const doc = workflow()
      .node('read', 'read', { config: { path: 'x' } })
      .node('pass', 'noop', { inputs: { in: 'read.data' } })
      .node('train', 'train', { inputs: { data: 'pass.out' } })
      .build();
    expect(problems(doc)).toEqual([]);
  });

  test('a required input left unwired', () => {
    const doc = workflow().node('train', 'train').node('eval', 'evaluate', { inputs: { model: 'train.model' } }).build();
    expect(problems(doc)).toEqual([
      '/nodes/0: required input "data" (dataset) of plugin "train" is not wired',
      '/nodes/1/inputs: required input "data" (dataset) of plugin "evaluate" is not wired',
    ]);
  });

  test('a list on a port that takes one, and a list on a port that takes many', () => {
    const doc = workflow()
      .node('a', 'read', { config: { path: 'a' } })
      .node('b', 'read', { config: { path: 'b' } })
      .node('u', 'union', { inputs: { parts: ['a.data', 'b.data'] } })
      .node('t', 'train', { inputs: { data: ['a.data', 'u.data'] } })
      .build();
    expect(problems(doc)).toEqual(['/nodes/3/inputs/data: input "data" takes one connection, not a list of 2']);
  });

  test('after names an unknown node', () => {
    const doc = workflow().node('first', 'noop').node('b', 'noop', { after: ['frist'] }).build();
    expect(problems(doc)).toEqual(['/nodes/1/after/0: unknown node "frist"; did you mean "first"?']);
  });
});

describe('cycles', () => {
  test('name every node on the cycle, in order, from the first in the file', () => {
    // a ─► b ─► c ─► a      d ─► d
    const doc = workflow()
      .node('start', 'noop')
      .chain('c', 'a')
      .chain('a', 'b')
      .node('c', 'noop', { inputs: { in: 'b.out' }, after: ['start'] })
      .node('d', 'noop', { after: ['d'] })
      .build();
    expect(problems(doc)).toEqual(['/nodes/1: cycle: a → b → c → a', '/nodes/4: cycle: d → d']);
  });

  test('a node downstream of a cycle is not on it', () => {
    const doc = workflow().chain('b', 'a').chain('a', 'b').chain('b', 'tail').build();
    expect(problems(doc)).toEqual(['/nodes/0: cycle: a → b → a']);
  });
});

describe('config', () => {
  test('is checked against the plugin schema, located inside the config', () => {
    const doc = workflow()
      .node('read', 'read', { config: {} })
      .node('clean', 'clean', { inputs: { data: 'read.data' }, config: { rules: [{ op: 'drop', where: 'x' }, { op: 'explode', where: 1 }], limit: 0 } })
      .build();
    expect(problems(doc)).toEqual([
      '/nodes/0/config: missing required field "path" (config of plugin "read")',
      '/nodes/1/config/limit: must be >= 1 (config of plugin "clean")',
      '/nodes/1/config/rules/1/op: must be "drop" or "keep", not "explode" (config of plugin "clean")',
      '/nodes/1/config/rules/1/where: must be a string, not number 1 (config of plugin "clean")',
    ]);
  });
});

describe('params', () => {
  const doc = () =>
    workflow()
      .param('ms', { type: 'integer', default: 100 })
      .param('label', { type: 'string' })
      .node('wait', 'sleep', { config: { ms: '${params.ms}' } })
      .node('say', 'constant', { config: { text: 'hello ${params.label} after ${params.ms} ms', raw: '${params.label}' } })
      .build();

  test('a whole-string reference takes the value with its type; an embedded one its text', () => {
    const result = validateWorkflow(doc(), registry, { params: { label: 'world' } });
    expect(result.problems).toEqual([]);
    if (!result.ok) return;
    expect(result.workflow.nodes[0]!.config).toEqual({ ms: 100 });
    expect(result.workflow.nodes[1]!.config).toEqual({ text: 'hello world after 100 ms', raw: 'world' });
  });

  test('values given as text are read as the declared type', () => {
    const result = validateWorkflow(doc(), registry, { params: { ms: '250', label: 'x' }, paramsAsText: true });
    expect(result.ok && result.workflow.nodes[0]!.config).toEqual({ ms: 250 });
  });

  test('mistyped, unknown, and missing params', () => {
    expect(problems(doc(), { params: { ms: 'soon', lable: 'x' }, paramsAsText: true, requireParams: true })).toEqual([
      '/params/label: param "label" has no default and no value was given (pass --param label=<value>)',
      '/params/lable: unknown param "lable"; did you mean "label"?',
      '/params/ms: value must be an integer, not "soon"',
    ]);
  });

  test('a param without a value is fine for validate, which skips the config it feeds', () => {
    expect(problems(doc())).toEqual([]);
  });

  test('an unknown reference in config (reported once), and a default of the wrong type', () => {
    const bad = workflow().param('ms', { type: 'integer', default: 'x' }).node('wait', 'sleep', { config: { ms: '${params.msec}' } }).build();
    expect(problems(bad)).toEqual([
      '/nodes/0/config/ms: unknown param "msec"; did you mean "ms"?',
      '/params/ms/default: default must be an integer, not "x"',
    ]);
  });
});

describe('all problems at once', () => {
  test('one document, one of each kind', () => {
    const doc = workflow()
      .node('a', 'claen')
      .node('a', 'noop')
      .node('t', 'train')
      .chain('t', 'x')
      .chain('y', 'y')
      .node('s', 'sleep', { config: { ms: -1 } })
      .build();
    expect(problems(doc)).toHaveLength(6);
  });
});
