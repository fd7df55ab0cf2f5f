/**
 * `/api/plugins`: what the editor builds its palette and forms from. Each plugin (its newest version) as
 * `loom plugins --json` shows it, plus whether its results are cached, what it declares it needs and where it
 * came from; sorted by category, then name.
 */
import { Router } from 'express';
import { pluginDescription } from '../plugin/describe.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { AnyPlugin } from '../plugin/types.js';
import { closest, didYouMean } from '../suggest.js';
import type { AppContext } from './app.js';
import { HttpError } from './errors.js';
import { param } from './request.js';

const byCategoryThenName = (a: AnyPlugin, b: AnyPlugin) => (a.category < b.category ? -1 : a.category > b.category ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The router factory for `createApp({ routers: [{ path: '/plugins', router: pluginRoutes({ plugins }) }] })`.
 * @example pluginRoutes({ plugins: loom.registry })
 */
export function pluginRoutes({ plugins }: { readonly plugins: PluginRegistry }): (ctx: AppContext) => Router {
  return ({ guard }) => {
    const router = Router();
    const viewer = guard.need('viewer');

    router.get('/', viewer, (_req, res) => {
      res.json({ plugins: plugins.list().sort(byCategoryThenName).map((plugin) => pluginDescription(plugin, plugins.source(plugin))) });
    });

    // `name` or `name@range`; a scoped name (`@acme/dedupe`) arrives as two segments or as `@acme%2Fdedupe`.
    const one = (ref: string) => {
      const found = plugins.lookup(ref);
      if ('plugin' in found) return pluginDescription(found.plugin, plugins.source(found.plugin));
      const names = plugins.list().map((p) => p.name);
      const suggestion = closest(ref, names);
      const message = found.problem.startsWith('unknown plugin') ? `no plugin named "${ref}"${didYouMean(ref, names)}` : found.problem;
      throw new HttpError(404, 'PLUGIN_NOT_FOUND', message, { plugin: ref, ...(suggestion ? { suggestion } : {}) });
    };
    router.get('/:name', viewer, (req, res) => void res.json(one(param(req, 'name'))));
    router.get('/:scope/:name', viewer, (req, res, next) => {
      if (!param(req, 'scope').startsWith('@')) return next();
      res.json(one(`${param(req, 'scope')}/${param(req, 'name')}`));
    });
    return router;
  };
}
