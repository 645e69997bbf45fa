// Listener and filter chain selection (listener.proto, listener_components.proto).
import type { FilterChain, Listener, RenderJson } from "./types.ts";

export interface Connection {
  /** Destination address the client dialled (the Gateway's address). */
  address: string;
  port: number;
  /** true when the client starts a TLS handshake. */
  tls: boolean;
  /** SNI sent in the ClientHello (TLS only). */
  sni?: string;
  /** ALPN protocols offered (TLS only), e.g. ["h2", "http/1.1"]. */
  alpn?: string[];
}

const WILDCARD_ADDRESSES = new Set(["0.0.0.0", "::", ""]);

/**
 * Envoy binds each listener to its socket address; a connection goes to the listener bound to
 * exactly its destination address and port, otherwise to one bound to the wildcard address on that
 * port (the kernel's socket lookup prefers the more specific bind). Additional addresses count too.
 */
export function findListener(render: RenderJson, c: Connection): Listener | undefined {
  const addrs = (l: Listener) => [l.address, ...(l.additionalAddresses ?? []).map((a) => a.address)];
  const bound = (l: Listener, exact: boolean) =>
    addrs(l).some((a) => {
      const s = a?.socketAddress;
      if (!s || (s.portValue ?? 0) !== c.port || (s.protocol !== undefined && s.protocol !== "TCP")) return false;
      const host = s.address ?? "";
      return exact ? host === c.address : WILDCARD_ADDRESSES.has(host);
    });
  return render.listeners.find((l) => bound(l, true)) ?? render.listeners.find((l) => bound(l, false));
}

function hasListenerFilter(l: Listener, name: string, typeSuffix: string): boolean {
  return (l.listenerFilters ?? []).some((f) => f.name === name || (f.typedConfig?.["@type"] ?? "").endsWith(typeSuffix));
}

function ipv4ToInt(ip: string): number | undefined {
  const p = ip.split(".").map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return undefined;
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

function prefixLenMatching(fc: FilterChain, address: string): number | undefined {
  const ranges = fc.filterChainMatch?.prefixRanges ?? [];
  const ip = ipv4ToInt(address);
  let best: number | undefined;
  for (const r of ranges) {
    const base = ipv4ToInt(r.addressPrefix ?? "");
    const len = r.prefixLen ?? 32;
    if (ip === undefined || base === undefined) continue;
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    if ((ip & mask) === (base & mask) && (best === undefined || len > best)) best = len;
  }
  return best;
}

/**
 * FilterChainMatch: "The following order applies: 1. Destination port. 2. Destination IP address.
 * 3. Server name (e.g. SNI for TLS protocol), 4. Transport protocol. 5. Application protocols ...
 * For criteria that allow ranges or wildcards, the most specific value in any of the configured
 * filter chains that matches the incoming connection is going to be used (e.g. for SNI
 * www.example.com the most specific match would be www.example.com, then *.example.com, then
 * *.com, then any filter chain without server_names requirements)."
 * Each step narrows the candidates and never backtracks; when nothing is left, the listener's
 * default_filter_chain is used, and without one the connection is closed.
 * SNI, transport protocol and ALPN are only known when the tls_inspector listener filter runs.
 */
export function selectFilterChain(l: Listener, c: Connection): FilterChain | undefined {
  let chains = l.filterChains ?? [];
  const inspect = hasListenerFilter(l, "envoy.filters.listener.tls_inspector", "tls_inspector.v3.TlsInspector");
  const sni = inspect && c.tls ? (c.sni ?? "").toLowerCase() : "";
  const transport = inspect ? (c.tls ? "tls" : "raw_buffer") : "";
  const alpn = inspect && c.tls ? (c.alpn ?? []) : [];

  // 1. destination port
  const byPort = chains.filter((fc) => fc.filterChainMatch?.destinationPort === c.port);
  chains = byPort.length > 0 ? byPort : chains.filter((fc) => fc.filterChainMatch?.destinationPort === undefined);

  // 2. destination IP: longest matching prefix, else chains without prefix ranges
  let bestLen = -1;
  for (const fc of chains) bestLen = Math.max(bestLen, prefixLenMatching(fc, c.address) ?? -1);
  chains =
    bestLen >= 0
      ? chains.filter((fc) => prefixLenMatching(fc, c.address) === bestLen)
      : chains.filter((fc) => (fc.filterChainMatch?.prefixRanges ?? []).length === 0);

  // 3. server names: exact, then wildcards from the longest suffix, then chains without names
  const names = (fc: FilterChain) => (fc.filterChainMatch?.serverNames ?? []).map((n) => n.toLowerCase());
  let bySni: FilterChain[] = [];
  if (sni !== "") {
    const candidates = [sni];
    const labels = sni.split(".");
    for (let i = 1; i < labels.length; i++) candidates.push("*." + labels.slice(i).join("."));
    for (const cand of candidates) {
      bySni = chains.filter((fc) => names(fc).includes(cand));
      if (bySni.length > 0) break;
    }
  }
  chains = bySni.length > 0 ? bySni : chains.filter((fc) => names(fc).length === 0);

  // 4. transport protocol
  const byTransport = chains.filter((fc) => transport !== "" && fc.filterChainMatch?.transportProtocol === transport);
  chains = byTransport.length > 0 ? byTransport : chains.filter((fc) => (fc.filterChainMatch?.transportProtocol ?? "") === "");

  // 5. application protocols
  const byAlpn = chains.filter((fc) => (fc.filterChainMatch?.applicationProtocols ?? []).some((p) => alpn.includes(p)));
  chains = byAlpn.length > 0 ? byAlpn : chains.filter((fc) => (fc.filterChainMatch?.applicationProtocols ?? []).length === 0);

  return chains[0] ?? l.defaultFilterChain;
}
