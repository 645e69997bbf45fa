// A test double for the one part of Envoy's admin API that /metrics reads: GET /stats/prometheus,
// answering with text in the shape Envoy writes (TYPE lines, no HELP, envoy_-prefixed tag-extracted
// names, histograms with Envoy's default buckets). It is not an Envoy; it counts requests and can be
// told to answer late, fail or send too much, which is what edgegate's side must survive.
import { rmSync } from "node:fs";

export interface AdminStatsDouble {
  /** envoy.adminAddress form: "127.0.0.1:PORT" or "unix:///PATH". */
  address: string;
  requests: number;
  /** Changed at run time by tests. */
  behaviour: { body: string; status: number; delayMs: number };
  stop(): void;
}

const buckets = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

function histogram(name: string, labels: string, count: number, sum: number): string {
  const lines = [`# TYPE ${name} histogram`];
  for (const b of buckets) lines.push(`${name}_bucket{${labels},le="${b}"} ${b >= 25 ? count : 0}`);
  lines.push(`${name}_bucket{${labels},le="+Inf"} ${count}`, `${name}_sum{${labels}} ${sum}`, `${name}_count{${labels}} ${count}`);
  return lines.join("\n");
}

/** What an Envoy with edgegate's basic stats config and one HTTP listener prints (abridged). */
export const ENVOY_SAMPLE = [
  "# TYPE envoy_cluster_upstream_rq_total counter",
  'envoy_cluster_upstream_rq_total{envoy_cluster_name="xds_cluster"} 7',
  "# TYPE envoy_http_downstream_rq_xx counter",
  'envoy_http_downstream_rq_xx{envoy_response_code_class="2",envoy_http_conn_manager_prefix="http.0.0.0.0_80"} 41',
  'envoy_http_downstream_rq_xx{envoy_response_code_class="5",envoy_http_conn_manager_prefix="http.0.0.0.0_80"} 2',
  "# TYPE envoy_server_live gauge",
  "envoy_server_live{} 1",
  "# TYPE envoy_server_memory_allocated gauge",
  "envoy_server_memory_allocated{} 7340032",
  // An extension stat with a custom namespace: Envoy does not prefix it.
  "# TYPE wasm_filter_calls counter",
  'wasm_filter_calls{plugin="a\\"b"} 3',
  histogram("envoy_http_downstream_rq_time", 'envoy_http_conn_manager_prefix="http.0.0.0.0_80"', 43, 1234.5),
  "",
].join("\n");

export function startAdminStatsDouble(opts: { unix?: string; body?: string } = {}): AdminStatsDouble {
  const d: AdminStatsDouble = {
    address: "",
    requests: 0,
    behaviour: { body: opts.body ?? ENVOY_SAMPLE, status: 200, delayMs: 0 },
    stop: () => {},
  };
  const fetch = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname !== "/stats/prometheus") return new Response("not found", { status: 404 });
    d.requests++;
    if (d.behaviour.delayMs > 0) await Bun.sleep(d.behaviour.delayMs);
    return new Response(d.behaviour.body, { status: d.behaviour.status, headers: { "content-type": "text/plain; charset=UTF-8" } });
  };
  if (opts.unix) {
    rmSync(opts.unix, { force: true });
    const server = Bun.serve({ unix: opts.unix, fetch });
    d.address = `unix://${opts.unix}`;
    d.stop = () => void server.stop(true);
  } else {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
    d.address = `127.0.0.1:${server.port}`;
    d.stop = () => void server.stop(true);
  }
  return d;
}
