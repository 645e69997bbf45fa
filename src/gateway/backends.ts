// Route backendRefs -> clusters, with the route's ResolvedRefs condition.
import { noFTL } from "bun:jsc";
import type { AnyRoute, BackendRef, RouteKind } from "../kinds/gateway-api.ts";
import { GatewayGroup } from "../kinds/gateway-api.ts";
import { condition, type Condition, type TranslateProblem } from "../object-status/types.ts";
import { nsName, type Inputs } from "../translate/inputs.ts";
import { refAllowed } from "../translate/refgrant.ts";
import type { ClusterEntry, ClusterSet, Protocol } from "../translate/services.ts";
import { refKey } from "../store/types.ts";

/** Resolves every backendRef of one route once; the results are shared by all its parents. */
export class RouteBackends {
  private readonly results = new Map<BackendRef, string | undefined>();
  /**
   * The Services ("namespace/name") looked up so far, found or not: what a Service change
   * invalidates (memo.ts). Undefined without a memo, which is the only reader (a string and a set
   * entry per backendRef, 400,000 of them at 50,000 routes).
   */
  readonly services: Set<string> | undefined;
  /** The clusters resolved so far (useClusters). */
  private readonly entries: ClusterEntry[] = [];
  /** signature(), until the next new resolution. */
  private signed: string | undefined;
  resolvedRefs: Condition;
  readonly problems: TranslateProblem[] = [];

  constructor(
    private readonly inp: Inputs,
    private readonly clusters: ClusterSet,
    private readonly route: AnyRoute,
    private readonly kind: RouteKind,
    /** The client certificate the route's Gateway presents to TLS backends. */
    private readonly clientCertificate?: string,
    trackServices = false,
  ) {
    if (trackServices) this.services = new Set();
    this.resolvedRefs = condition("ResolvedRefs", true, "ResolvedRefs", "all references resolved", route.metadata.generation);
  }

  /**
   * Every resolution so far, in order (the route memo's guard, see memo.ts). Order is the route's
   * own, so equal routes resolved against equal inputs give equal strings.
   */
  signature(): string {
    if (this.signed !== undefined) return this.signed;
    let s = "";
    for (const c of this.results.values()) s += `${c ?? "\u0000"}\n`;
    this.signed = s;
    return s;
  }

  /** Marks every cluster resolved so far as used by this compile (a route whose resolutions are reused). */
  useClusters(): void {
    for (const e of this.entries) this.clusters.use(e);
  }

  /** The cluster for a backendRef, or undefined when it cannot be used (the route answers 500). */
  resolve(ref: BackendRef, path: ReadonlyArray<string | number>, protocol?: Protocol): string | undefined {
    if (this.results.has(ref)) return this.results.get(ref);
    const cluster = this.doResolve(ref, path, protocol);
    this.results.set(ref, cluster);
    this.signed = undefined;
    return cluster;
  }

  private doResolve(ref: BackendRef, path: ReadonlyArray<string | number>, protocol?: Protocol): string | undefined {
    const routeNs = this.route.metadata.namespace;
    const ns = ref.namespace ?? routeNs;
    const group = ref.group ?? "";
    const kind = ref.kind ?? "Service";
    if (group !== "" || kind !== "Service")
      return this.fail(path, "InvalidKind", `backendRef kind ${group ? `${group}/` : ""}${kind} is not supported (only core Service)`);
    if (!refAllowed(this.inp, { group: GatewayGroup, kind: this.kind, namespace: routeNs }, { group: "", kind: "Service", namespace: ns, name: ref.name })) {
      return this.fail(
        path,
        "RefNotPermitted",
        `Service ${ns}/${ref.name} is in another namespace and no ReferenceGrant in ${ns} allows ${this.kind}s from ${routeNs}`,
      );
    }
    if (ref.port === undefined) return this.fail(path, "BackendNotFound", `backendRef to Service ${ns}/${ref.name} has no port`);
    this.services?.add(nsName(ns, ref.name));
    const { r, e } = this.clusters.serviceEntry(ns, ref.name, { number: ref.port }, protocol, this.clientCertificate);
    if (!r.ok) return this.fail(path, r.reason, r.message);
    if (e) this.entries.push(e);
    return r.cluster;
  }

  /** A reference that cannot be used: the first failure names the condition; every one is reported by `validate`. */
  private fail(path: ReadonlyArray<string | number>, reason: string, message: string): undefined {
    const route = this.route.metadata;
    if (this.resolvedRefs.status === "True") this.resolvedRefs = condition("ResolvedRefs", false, reason, message, route.generation);
    this.problems.push({ key: refKey({ kind: this.kind, namespace: route.namespace, name: route.name }), path, message });
    return undefined;
  }
}

// Once per backend of every route in a large translation: kept below FTL (see src/validate/kinds/routes.ts).
noFTL(RouteBackends.prototype["doResolve"]);
