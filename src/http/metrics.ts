import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics: process defaults plus requests by route template (never by raw URL, which holds ids). */
export function createMetrics(openDatabases: () => number): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'keyward_' });
  new Gauge({
    name: 'keyward_open_environment_databases',
    help: 'Environment databases open in this process (each holds its DEK in memory)',
    registers: [registry],
    collect() {
      this.set(openDatabases());
    },
  });
  return registry;
}

export function installRequestMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({
    name: 'keyward_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'keyward_http_request_duration_seconds',
    help: 'Time to answer HTTP requests',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });
}
