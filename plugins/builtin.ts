/** The plugins that ship inside Loom itself. */
import { asAnyPlugin } from '../engine/plugin/define.js';
import type { AnyPlugin } from '../engine/plugin/types.js';
import annotate from './annotate/annotate.plugin.js';
import approve from './approve/approve.plugin.js';
import classify from './classify/classify.plugin.js';
import clean from './clean/clean.plugin.js';
import collect from './collect/collect.plugin.js';
import encrypt from './encrypt/encrypt.plugin.js';
import constant from './constant/constant.plugin.js';
import fail from './fail/fail.plugin.js';
import featurize from './featurize/featurize.plugin.js';
import evaluate from './evaluate/evaluate.plugin.js';
import integrate from './integrate/integrate.plugin.js';
import noop from './noop/noop.plugin.js';
import publish from './publish/publish.plugin.js';
import rollback from './rollback/rollback.plugin.js';
import sleep from './sleep/sleep.plugin.js';
import train from './train/train.plugin.js';

export const builtinPlugins: readonly AnyPlugin[] = [
  asAnyPlugin(collect),
  asAnyPlugin(clean),
  asAnyPlugin(annotate),
  asAnyPlugin(integrate),
  asAnyPlugin(featurize),
  asAnyPlugin(train),
  asAnyPlugin(classify),
  asAnyPlugin(evaluate),
  asAnyPlugin(encrypt),
  asAnyPlugin(publish),
  asAnyPlugin(rollback),
  asAnyPlugin(approve),
  asAnyPlugin(constant),
  asAnyPlugin(noop),
  asAnyPlugin(sleep),
  asAnyPlugin(fail),
];
