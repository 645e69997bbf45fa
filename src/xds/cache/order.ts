// The order rules for pushing a change to one client, shared by both protocol flavours. They follow
// Envoy's documented xDS ordering ("Eventual consistency considerations" in the xDS protocol
// spec) and its warming rules, and are what keeps traffic flowing through a change:
//
//  1. Dependencies first: clusters, then their endpoints, then secrets. A RouteConfiguration or
//     Listener that refers to a cluster goes out only after that cluster (and its endpoints) did.
//  2. When a change adds clusters or endpoints the client did not have, route configurations and
//     listeners wait until the client has answered (ACK or NACK) every outstanding cluster and
//     endpoint response: Envoy warms a new cluster until its endpoints arrive, and a route to a
//     cluster still warming answers 503. A client that never answers does not hold things back
//     longer than `dependentsWaitMs`.
//  3. A route configuration before the listener that names it: an updated RouteConfiguration is
//     in place before a listener switches to it; a new name is fetched by the client when the
//     listener arrives (the client subscribes then), and a client waits for a resource it does not
//     hold rather than use a stale one.
//  4. Removals last and dependents first: listeners, route configurations, secrets, then clusters,
//     then endpoints (a cluster never exists without its endpoints).
//  5. A cluster (and its endpoints) leaves a client only when nothing that client accepted, or was
//     sent and has not answered, still routes to it (XdsStream.referencedClusters): per client, so a
//     client that NACKs keeps every cluster its accepted configuration uses.
import { TypeUrl } from "../resources.ts";

export const dependencies: readonly TypeUrl[] = [TypeUrl.cluster, TypeUrl.endpoint, TypeUrl.secret];
export const dependents: readonly TypeUrl[] = [TypeUrl.route, TypeUrl.listener];
/** Types whose entries stay with a client while its configuration still refers to them (rule 5). */
export const retained: ReadonlySet<string> = new Set<string>([TypeUrl.cluster, TypeUrl.endpoint]);
export const dependentsWaitMs = 1000;
