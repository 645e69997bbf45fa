// Rules from listener.proto / listener_components.proto (FilterChainMatch), quoted per test:
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto
import { describe, expect, test } from "bun:test";
import { findListener, selectFilterChain } from "./listener.ts";
import { evaluateTcp } from "./evaluate.ts";
import type { FilterChain, Listener, RenderJson } from "./types.ts";
import { TypeUrls } from "./types.ts";
import { cluster } from "./fixtures.ts";

const tcp = (name: string, serverNames: string[] | undefined, clusterName: string, transportProtocol?: string): FilterChain => ({
  name,
  filterChainMatch: { serverNames, transportProtocol },
  filters: [{ name: "envoy.filters.network.tcp_proxy", typedConfig: { "@type": TypeUrls.tcpProxy, statPrefix: name, cluster: clusterName } }],
});

const l443: Listener = {
  name: "l443",
  address: { socketAddress: { address: "0.0.0.0", portValue: 443 } },
  listenerFilters: [{ name: "envoy.filters.listener.tls_inspector" }],
  filterChains: [
    tcp("exact", ["www.example.com"], "exact", "tls"),
    tcp("wild", ["*.example.com"], "wild", "tls"),
    tcp("wild-com", ["*.com"], "wildcom", "tls"),
    tcp("any-tls", undefined, "anytls", "tls"),
    tcp("plain", undefined, "plain", "raw_buffer"),
  ],
};
const conn = (sni: string | undefined, tls = true) => ({ address: "127.0.1.1", port: 443, tls, sni });

describe("FilterChainMatch", () => {
  test("'for SNI www.example.com the most specific match would be www.example.com, then *.example.com, then *.com, then any filter chain without server_names'", () => {
    expect(selectFilterChain(l443, conn("www.example.com"))?.name).toBe("exact");
    expect(selectFilterChain(l443, conn("api.example.com"))?.name).toBe("wild");
    expect(selectFilterChain(l443, conn("a.b.example.com"))?.name).toBe("wild");
    expect(selectFilterChain(l443, conn("other.com"))?.name).toBe("wild-com");
    expect(selectFilterChain(l443, conn("example.org"))?.name).toBe("any-tls");
  });
  test("'The following order applies: ... 3. Server name ... 4. Transport protocol': a plaintext connection gets raw_buffer", () => {
    expect(selectFilterChain(l443, conn(undefined, false))?.name).toBe("plain");
  });
  test("criteria narrow in order and do not backtrack: no chain left means default_filter_chain, else the connection is closed", () => {
    const l: Listener = { ...l443, filterChains: [tcp("exact", ["a.com"], "x", "raw_buffer"), tcp("other", undefined, "y", "tls")] };
    // SNI a.com selects the a.com chain; its transport protocol does not fit a TLS connection.
    expect(selectFilterChain(l, conn("a.com"))).toBeUndefined();
    expect(selectFilterChain({ ...l, defaultFilterChain: tcp("default", undefined, "z") }, conn("a.com"))?.name).toBe("default");
  });
  test("tls_inspector: without it SNI and transport protocol are not detected, so server_names chains never match", () => {
    const l: Listener = { ...l443, listenerFilters: [] };
    expect(selectFilterChain(l, conn("www.example.com"))).toBeUndefined();
  });
  test("a listener is chosen by its bound address and port, the exact address before 0.0.0.0", () => {
    const render: RenderJson = {
      listeners: [l443, { ...l443, name: "exact-addr", address: { socketAddress: { address: "127.0.1.7", portValue: 443 } } }],
      routes: [],
      clusters: [],
      endpoints: [],
      secrets: [],
    };
    expect(findListener(render, { address: "127.0.1.7", port: 443, tls: true })?.name).toBe("exact-addr");
    expect(findListener(render, { address: "127.0.1.8", port: 443, tls: true })?.name).toBe("l443");
    expect(findListener(render, { address: "127.0.1.8", port: 80, tls: false })).toBeUndefined();
  });
  test("TcpProxy: 'cluster: The upstream cluster to connect to' / weighted_clusters with weights", () => {
    const render: RenderJson = { listeners: [l443], routes: [], clusters: [cluster("wild", "10.1.1.1", 8443)], endpoints: [], secrets: [] };
    const o = evaluateTcp(render, conn("api.example.com"));
    expect(o.kind).toBe("tcp");
    if (o.kind === "tcp") expect(o.clusters).toMatchObject([{ cluster: "wild", clusterFound: true, endpoints: [{ address: "10.1.1.1", port: 8443 }] }]);
  });
});
