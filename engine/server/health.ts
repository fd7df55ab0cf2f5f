/**
 * Probes and metrics, outside `/api` and without tokens (load balancers and Prometheus scrape them):
 * `/healthz` says the process answers, `/readyz` that the registry is readable and every served model is loaded
 * (503 with the reasons otherwise), `/metrics` the Prometheus text.
 */
import { Router } from 'express';
import type { ServerMetrics } from './metrics.js';
import type { ModelCache } from './model-cache.js';

export function healthRoutes({ cache, metrics }: { cache: ModelCache; metrics: ServerMetrics }): Router {
  const router = Router();
  const started = Date.now();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) });
  });
  router.get('/readyz', async (_req, res) => {
    const readiness = await cache.readiness();
    res.status(readiness.ready ? 200 : 503).json({ status: readiness.ready ? 'ready' : 'not ready', ...readiness });
  });
  router.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.text();
    res.type(contentType).send(body);
  });
  return router;
}
