/**
 * Prometheus metrics (prom-client), served on their own port (HALLMARK_METRICS_PORT, bound to
 * HALLMARK_METRICS_HOST, loopback by default), never on the public one. With several service
 * processes, the primary answers for all of them (prom-client's AggregatorRegistry asks each
 * worker over the cluster channel). Labels are closed sets: brand codes of the registry, route
 * patterns (never a path, which may hold a serial), outcomes and status classes; no label
 * carries a serial, a token or a client address.
 */
import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  register,
} from 'prom-client';
import { onPostgres } from './db/database.ts';
import type { Registry } from './registry/registry.ts';

/** Outcomes of POST /api/v1/certificates, by HTTP status. */
export type IssueOutcome = '201' | '200' | '409' | '4xx' | '5xx';

export interface Metrics {
  /** Counts an issue request's outcome for a brand (undefined: the request named none valid). */
  issued(brand: string | undefined, status: number): void;
  /** Counts a batch's items by brand and outcome. */
  batchItems(
    brand: string | undefined,
    outcome: 'issued' | 'existing' | 'rejected',
    n: number,
  ): void;
  /** Times one status-list build. */
  statusListBuilt(brand: string, seconds: number): void;
  /** The express middleware that times every request by route pattern. */
  http(req: Request, res: Response, next: NextFunction): void;
  /** Reads the registry's health (database, keys, imports) at each scrape. */
  watch(registry: Registry): void;
}

let metrics: Metrics | undefined;

/** This process's metrics, in prom-client's default registry (created once). */
export function processMetrics(): Metrics {
  return (metrics ??= createMetrics());
}

const outcomeOf = (status: number): IssueOutcome =>
  status === 201 || status === 200 || status === 409
    ? (String(status) as IssueOutcome)
    : status >= 500
      ? '5xx'
      : '4xx';

function createMetrics(): Metrics {
  collectDefaultMetrics({ register });
  // A worker answers its primary's requests for its metrics (the aggregator's listener).
  if (cluster.isWorker) new AggregatorRegistry();
  const issued = new Counter({
    name: 'hallmark_certificates_issued_total',
    help: 'POST /api/v1/certificates requests by brand and outcome (201 issued, 200 already issued, 409 conflicting details, 4xx refused, 5xx failed)',
    labelNames: ['brand', 'outcome'] as const,
  });
  const batch = new Counter({
    name: 'hallmark_batch_items_total',
    help: 'Items of POST /api/v1/certificates/batch by brand and outcome',
    labelNames: ['brand', 'outcome'] as const,
  });
  const duration = new Histogram({
    name: 'hallmark_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status class',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  const builds = new Counter({
    name: 'hallmark_status_list_builds_total',
    help: 'Status lists built (signed) by brand',
    labelNames: ['brand'] as const,
  });
  const buildTime = new Histogram({
    name: 'hallmark_status_list_build_seconds',
    help: 'Time to build and sign one status list',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  });
  const watched: Registry[] = [];
  // Health is read at scrape time, from the registry itself. With several processes the
  // primary keeps the lowest answer: one worker that cannot sign is a key that is not ready.
  new Gauge({
    name: 'hallmark_database_up',
    help: '1 when the registry database answers a query',
    aggregator: 'min',
    collect() {
      for (const registry of watched) {
        let up = 1;
        try {
          registry.db.prepare('SELECT 1').get();
        } catch {
          up = 0;
        }
        this.set(up);
      }
    },
  });
  new Gauge({
    name: 'hallmark_signing_key_ready',
    help: "1 when the brand's active signing key opens (sealed key) or is found (PKCS#11 token)",
    labelNames: ['brand'] as const,
    aggregator: 'min',
    collect() {
      for (const registry of watched) {
        for (const { code } of registry.brands.list()) {
          let ready = 1;
          try {
            registry.keys.active(code);
          } catch {
            ready = 0;
          }
          this.set({ brand: code }, ready);
        }
      }
    },
  });
  // Bulk imports run in the command line, not here: their rate is read from the audit trail,
  // where each completed import records its counts and duration.
  new Gauge({
    name: 'hallmark_last_import_rows_per_second',
    help: 'Rows per second of the latest completed `hallmark import` (from the audit trail)',
    aggregator: 'max',
    collect() {
      for (const registry of watched) {
        const detail = registry.db
          .prepare(
            "SELECT detail FROM events WHERE action = 'import.completed' ORDER BY id DESC LIMIT 1",
          )
          .pluck()
          .get() as string | undefined;
        const parsed = detail ? (JSON.parse(detail) as { rows?: number; seconds?: number }) : {};
        this.set(parsed.rows && parsed.seconds ? parsed.rows / parsed.seconds : 0);
      }
    },
  });
  new Gauge({
    name: 'hallmark_imported_rows',
    help: 'Rows of all completed `hallmark import` runs, by outcome (from the audit trail)',
    labelNames: ['outcome'] as const,
    aggregator: 'max',
    collect() {
      for (const registry of watched) {
        const field = (name: string) =>
          onPostgres(registry.db)
            ? `coalesce(sum(CAST(CAST(detail AS json) ->> '${name}' AS BIGINT)), 0) AS ${name}`
            : `coalesce(sum(detail ->> '${name}'), 0) AS ${name}`;
        const totals = registry.db
          .prepare(
            `SELECT ${['issued', 'existing', 'rejected'].map(field).join(', ')} FROM events WHERE action = 'import.completed'`,
          )
          .get() as Record<'issued' | 'existing' | 'rejected', number>;
        for (const [outcome, n] of Object.entries(totals)) this.set({ outcome }, n);
      }
    },
  });
  // Brand labels are codes of a watched registry only: a request's own text never becomes a
  // label (a closed set keeps the series bounded and says nothing about the input).
  const brands = new Set<string>();
  const brandLabel = (brand: string | undefined) => {
    if (brand === undefined) return 'none';
    if (!brands.has(brand) && watched.some((r) => r.brands.has(brand))) brands.add(brand);
    return brands.has(brand) ? brand : 'none';
  };
  return {
    issued(brand, status) {
      issued.inc({ brand: brandLabel(brand), outcome: outcomeOf(status) });
    },
    batchItems(brand, outcome, n) {
      if (n > 0) batch.inc({ brand: brandLabel(brand), outcome }, n);
    },
    statusListBuilt(brand, seconds) {
      builds.inc({ brand: brandLabel(brand) });
      buildTime.observe(seconds);
    },
    http(req, res, next) {
      const end = duration.startTimer();
      // The matched route's pattern (/api/v1/certificates/:serial), never the path itself.
      // Express sets req.route when a route matches, and restores req.baseUrl (the router's
      // mount path) as the request leaves it: the pattern is taken at the moment of matching.
      let route = 'unmatched';
      let matched: unknown;
      Object.defineProperty(req, 'route', {
        configurable: true,
        enumerable: true,
        get: () => matched,
        set: (value: { path?: unknown } | undefined) => {
          matched = value;
          if (value && typeof value.path === 'string') route = `${req.baseUrl}${value.path}`;
        },
      });
      res.once('finish', () =>
        end({ method: req.method, route, status: `${String(res.statusCode).slice(0, 1)}xx` }),
      );
      next();
    },
    watch(registry) {
      watched.push(registry);
      for (const { code } of registry.brands.list()) brands.add(code);
    },
  };
}

/**
 * Serves GET /metrics on `port` (0: any free port): this process's metrics, or with
 * `cluster`, every worker's, aggregated.
 */
export async function startMetricsServer(
  port: number,
  host: string,
  options: { cluster: boolean },
): Promise<{ server: Server; port: number }> {
  const aggregator = options.cluster ? new AggregatorRegistry() : undefined;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    (aggregator ? aggregator.clusterMetrics() : register.metrics()).then(
      (text) => res.writeHead(200, { 'Content-Type': register.contentType }).end(text),
      () => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : port };
}
