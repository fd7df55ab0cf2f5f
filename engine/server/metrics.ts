/**
 * Prometheus metrics on a registry of the app's own (never prom-client's global one, so two apps in one process,
 * as in tests, do not share or clash): requests by route and status, model loads by outcome, the version each
 * model serves, recommendations by fallback, and the default process metrics.
 */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'loom_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly durations = new Histogram({
    name: 'loom_http_request_duration_seconds',
    help: 'HTTP request durations by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly modelLoads = new Counter({ name: 'loom_model_loads_total', help: 'model loads by model and outcome (success, failure)', labelNames: ['model', 'outcome'], registers: [this.registry] });
  readonly modelLoadSeconds = new Histogram({
    name: 'loom_model_load_duration_seconds',
    help: 'time to read, verify and open a model version',
    labelNames: ['model'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
    registers: [this.registry],
  });
  readonly servedVersion = new Gauge({ name: 'loom_model_served_version', help: 'the version each model serves (0: none loaded)', labelNames: ['model'], registers: [this.registry] });
  readonly loadFailing = new Gauge({
    name: 'loom_model_load_failing',
    help: '1 while the version a model\'s alias points at could not be loaded (an older one may still be served)',
    labelNames: ['model'],
    registers: [this.registry],
  });
  readonly recommendations = new Counter({ name: 'loom_recommendations_total', help: 'recommendations by model and fallback (true: unknown customer)', labelNames: ['model', 'fallback'], registers: [this.registry] });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Times every request; the route label is the matched pattern (`/api/models/:name/recommend`), never the raw path. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const stop = this.durations.startTimer();
      res.on('finish', () => {
        const pattern = req.route?.path;
        const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern === '/' && req.baseUrl ? '' : pattern}` : 'unmatched';
        const labels = { method: req.method, route, status: String(res.statusCode) };
        this.requests.inc(labels);
        stop(labels);
      });
      next();
    };
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
