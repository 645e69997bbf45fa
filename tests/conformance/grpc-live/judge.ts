// The suite's judgement of gRPC cases (conformance/utils/grpc/grpc.go compareResponse and
// MakeRequestAndExpectEventuallyConsistentResponse; utils/weight TestWeightedDistribution),
// applied to RPCs made by a proxyless client.
import { status } from "@grpc/grpc-js";
import type { GrpcCaseJson } from "../harness/suite.ts";
import { ECHO_SERVICE } from "./echo-proto.ts";
import type { Rpc } from "./client.ts";

const CODES: Record<string, status> = { OK: status.OK, Unimplemented: status.UNIMPLEMENTED };

/**
 * Envoy answers an RPC no route matches with HTTP 404, which gRPC maps to UNIMPLEMENTED; that is
 * what the suite expects. A proxyless client has no proxy to answer, so grpc-js-xds decides:
 *   - no route of the virtual host matches: the RPC fails UNAVAILABLE "Failed to route call to
 *     method ..." (gRFC A28);
 *   - no virtual host matches the authority: the resolver reports "RouteConfiguration ...: No
 *     matching route found for <authority>" and the RPC waits until its deadline (see
 *     client.ts resolutionError).
 * Only these count as "not routed"; any other UNAVAILABLE or deadline (backend down, no such
 * Listener, xDS not there yet) does not.
 */
export function notRouted(rpc: Rpc, authority: string | undefined): boolean {
  if (rpc.code === status.UNAVAILABLE && /^Failed to route call to method /.test(rpc.details)) return true;
  const noHost = `: No matching route found for ${authority ?? ""}`;
  return rpc.code === status.DEADLINE_EXCEEDED && authority !== undefined && (rpc.resolution?.endsWith(noHost) ?? false);
}

export function methodName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Why `rpc` does not meet the case, or undefined when it does (compareResponse). */
export function compare(c: GrpcCaseJson, rpc: Rpc): string | undefined {
  const want = CODES[c.expectedCode];
  if (want === undefined) return `harness: unknown expected code ${c.expectedCode}`;
  if (want === status.UNIMPLEMENTED && notRouted(rpc, c.authority)) return undefined;
  if (rpc.code !== want)
    return `expected status code ${c.expectedCode}, got ${status[rpc.code]} (${rpc.details}${rpc.resolution ? `; resolver: ${rpc.resolution}` : ""})`;
  if (rpc.code !== status.OK) return undefined;
  const a = rpc.response!;
  const fqm = `/${ECHO_SERVICE}/${methodName(c.method)}`;
  if (a.fullyQualifiedMethod !== fqm) return `expected path to be ${fqm}, got ${a.fullyQualifiedMethod}`;
  if (c.namespace !== "" && a.context.namespace !== c.namespace) return `expected namespace to be ${c.namespace}, got ${a.context.namespace}`;
  if (!a.context.pod.startsWith(c.backend)) return `expected pod name to start with ${c.backend}, got ${a.context.pod}`;
  return undefined;
}

export interface Convergence {
  /** Consecutive passes needed (the suite's RequiredConsecutiveSuccesses, 3). */
  successes: number;
  /** The suite's MaxTimeToConsistency is 30 s; a local appliance converges in well under a second. */
  timeoutMs: number;
}

/** What an RPC came back with, for the report: the serving pod, or the code and reason. */
export function describe(rpc: Rpc): string {
  if (rpc.code === status.OK) return `OK from ${rpc.response!.context.namespace}/${rpc.response!.context.pod}`;
  return `${status[rpc.code]}: ${rpc.resolution ? `resolver: ${rpc.resolution}` : rpc.details}`;
}

/** Sends until `successes` consecutive RPCs pass; the last failure when time runs out. */
export async function eventually(send: (timeoutMs: number) => Promise<Rpc>, c: GrpcCaseJson, conv: Convergence): Promise<{ failure?: string; last?: Rpc }> {
  const until = Date.now() + conv.timeoutMs;
  let streak = 0;
  let last: Rpc | undefined;
  let why = "no RPC completed";
  while (Date.now() < until) {
    last = await send(Math.max(100, Math.min(1000, until - Date.now())));
    const w = compare(c, last);
    if (w === undefined) {
      if (++streak >= conv.successes) return { last };
      continue;
    }
    streak = 0;
    why = w;
    await Bun.sleep(50);
  }
  return { failure: `not consistent within ${conv.timeoutMs} ms: ${why}`, last };
}

/** "grpc-infra-backend-v1-<rs>-<pod>" -> "grpc-infra-backend-v1" (weight.extractBackendName). */
export function backendOf(pod: string): string {
  const parts = pod.split("-");
  return parts.length < 3 ? pod : parts.slice(0, -2).join("-");
}

/** TestWeightedDistribution: 500 RPCs, 10 at a time, every share within 5 points of its weight. */
export async function weightedDistribution(
  send: () => Promise<Rpc>,
  weights: Record<string, number>,
): Promise<{ failure?: string; shares: Record<string, number> }> {
  const total = 500;
  const seen = new Map<string, number>();
  let next = 0;
  let error: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < total && error === undefined) {
      next++;
      const r = await send();
      if (r.code !== status.OK) {
        error = `expected OK response, got ${status[r.code]} (${r.details})`;
        return;
      }
      const b = backendOf(r.response!.context.pod);
      if (!(b in weights)) {
        error = `request was handled by an unexpected pod ${r.response!.context.pod}`;
        return;
      }
      seen.set(b, (seen.get(b) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  const shares = Object.fromEntries([...seen.entries()].sort().map(([b, n]) => [b, n / total]));
  if (error) return { failure: error, shares };
  const errs: string[] = [];
  const active = Object.values(weights).filter((w) => w > 0).length;
  if (seen.size !== active) errs.push(`expected ${active} backends to receive traffic, but got ${seen.size}`);
  for (const [b, w] of Object.entries(weights)) {
    const got = (seen.get(b) ?? 0) / total;
    if (w > 0 && !seen.has(b)) errs.push(`expect traffic to hit backend ${b} - but none was received`);
    else if (Math.abs(got - w) > 0.05) errs.push(`backend ${b} weighted traffic of ${got} not within tolerance ${w} (+/-0.05)`);
  }
  return errs.length > 0 ? { failure: errs.sort().join("; "), shares } : { shares };
}
