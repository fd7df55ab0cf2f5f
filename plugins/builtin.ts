/** The plugins that ship inside Loom itself. */
import { asAnyPlugin } from '../engine/plugin/define.js';
import type { AnyPlugin } from '../engine/plugin/types.js';
import approve from './approve/approve.plugin.js';
import constant from './constant/constant.plugin.js';
import fail from './fail/fail.plugin.js';
import noop from './noop/noop.plugin.js';
import sleep from './sleep/sleep.plugin.js';

export const builtinPlugins: readonly AnyPlugin[] = [asAnyPlugin(approve), asAnyPlugin(constant), asAnyPlugin(noop), asAnyPlugin(sleep), asAnyPlugin(fail)];
