// Gateway listeners: which are valid, what they accept, their TLS material and conflicts.
import type { Gateway, Listener } from "../kinds/gateway-api.ts";
import { GatewayGroup } from "../kinds/gateway-api.ts";
import type { IrSecret } from "../ir/types.ts";
import type { ListenerOrigin } from "../ir/origin.ts";
import { condition, type Condition } from "../object-status/types.ts";
import type { Inputs } from "../translate/inputs.ts";
import { refAllowed } from "../translate/refgrant.ts";
import { caSecretFromConfigMap, certificateSecret } from "../translate/secrets.ts";

export interface RouteKindRef {
  group: string;
  kind: string;
}

/** The object a listener is declared in: its Gateway, or a ListenerSet attached to that Gateway. */
export interface ListenerOwner {
  kind: "Gateway" | "ListenerSet";
  namespace: string;
  name: string;
  generation?: number;
}

export interface ListenerState {
  /** The Gateway that serves the listener (for a ListenerSet's listener, its parent). */
  gateway: Gateway;
  owner: ListenerOwner;
  listener: Listener;
  /** "namespace/gateway/listener", or "namespace/listenerset/listener (ListenerSet)". */
  key: string;
  /** The IR listener origin: the owner's reference and the listener's name in it. */
  origin: ListenerOrigin;
  /**
   * Unique among the Gateway's listeners and DNS-shaped, for IR names: the listener name, or
   * "listener.listenerset.namespace.listenerset" (a ListenerSet may reuse a Gateway listener's name).
   */
  section: string;
  supportedKinds: RouteKindRef[];
  /** Traffic is served. */
  usable: boolean;
  /**
   * Routes may attach (and count in attachedRoutes). A listener whose certificates do not resolve
   * is not served but still accepts routes, as the suite's GatewayWithAttachedRoutes expects.
   */
  attachable: boolean;
  conditions: { accepted: Condition; programmed: Condition; resolvedRefs: Condition; conflicted: Condition };
  certificates: string[];
  clientValidation?: { caSecret: string; optional: boolean };
  tlsMode?: "Terminate" | "Passthrough";
  attachedRoutes: number;
}

const defaultKinds: Record<string, string[]> = {
  HTTP: ["HTTPRoute", "GRPCRoute"],
  HTTPS: ["HTTPRoute", "GRPCRoute"],
  TLS: ["TLSRoute"],
  TCP: ["TCPRoute"],
  UDP: ["UDPRoute"],
};
const family = (p: string): string => (p === "HTTPS" || p === "TLS" ? "tls" : p.toLowerCase());

export function gatewayOwner(gw: Gateway): ListenerOwner {
  return { kind: "Gateway", namespace: gw.metadata.namespace, name: gw.metadata.name, generation: gw.metadata.generation };
}

/**
 * The states of one owner's listeners (a Gateway's own, or one ListenerSet's). Conflicts between
 * listeners are marked afterwards over every listener of the Gateway, in precedence order
 * (markConflicts).
 */
export function buildListeners(
  inp: Inputs,
  gw: Gateway,
  secrets: Map<string, IrSecret>,
  owner: ListenerOwner = gatewayOwner(gw),
  listeners: readonly Listener[] = gw.spec.listeners,
): ListenerState[] {
  const g = owner.generation;
  const ns = owner.namespace;
  return listeners.map((l): ListenerState => {
    const ok = (type: string, reason: string, msg: string): Condition => condition(type, true, reason, msg, g);
    const own = owner.kind === "Gateway";
    const st: ListenerState = {
      gateway: gw,
      owner,
      listener: l,
      key: own ? `${ns}/${owner.name}/${l.name}` : `${ns}/${owner.name}/${l.name} (ListenerSet)`,
      origin: { owner: { group: GatewayGroup, kind: owner.kind, namespace: ns, name: owner.name }, section: l.name },
      section: own ? l.name : `${l.name}.${owner.name}.${ns}.listenerset`,
      supportedKinds: [],
      usable: true,
      attachable: true,
      certificates: [],
      attachedRoutes: 0,
      conditions: {
        accepted: ok("Accepted", "Accepted", "listener accepted"),
        programmed: ok("Programmed", "Programmed", "listener programmed"),
        resolvedRefs: ok("ResolvedRefs", "ResolvedRefs", "all references resolved"),
        conflicted: condition("Conflicted", false, "NoConflicts", "no conflicts", g),
      },
    };
    const fail = (which: "accepted" | "resolvedRefs", reason: string, msg: string): void => {
      st.conditions[which] = condition(which === "accepted" ? "Accepted" : "ResolvedRefs", false, reason, msg, g);
      st.conditions.programmed = condition("Programmed", false, "Invalid", msg, g);
      st.usable = false;
      if (which === "accepted") st.attachable = false;
    };
    const kinds = defaultKinds[l.protocol];
    if (!kinds) {
      fail("accepted", "UnsupportedProtocol", `protocol ${l.protocol} is not supported (supported: HTTP, HTTPS, TLS, TCP, UDP)`);
      return st;
    }
    // Route kinds: the allowed list, or the protocol's defaults.
    if (l.allowedRoutes?.kinds && l.allowedRoutes.kinds.length > 0) {
      const bad: string[] = [];
      for (const k of l.allowedRoutes.kinds) {
        const group = k.group ?? GatewayGroup;
        if (group === GatewayGroup && kinds.includes(k.kind)) st.supportedKinds.push({ group, kind: k.kind });
        else bad.push(`${group}/${k.kind}`);
      }
      if (bad.length > 0) {
        st.conditions.resolvedRefs = condition(
          "ResolvedRefs",
          false,
          "InvalidRouteKinds",
          `route kinds not supported by a ${l.protocol} listener: ${bad.join(", ")}`,
          g,
        );
        if (st.supportedKinds.length === 0) {
          st.conditions.programmed = condition("Programmed", false, "Invalid", "no supported route kinds", g);
          st.usable = false;
          st.attachable = false;
        }
      }
    } else {
      st.supportedKinds = kinds.map((kind) => ({ group: GatewayGroup, kind }));
    }
    if (l.protocol === "HTTPS" || l.protocol === "TLS") resolveTls(inp, gw, l, st, secrets, fail);
    return st;
  });
}

function resolveTls(
  inp: Inputs,
  gw: Gateway,
  l: Listener,
  st: ListenerState,
  secrets: Map<string, IrSecret>,
  fail: (which: "accepted" | "resolvedRefs", reason: string, msg: string) => void,
): void {
  // Certificate references are relative to, and granted to, the object that declares the listener.
  const ns = st.owner.namespace;
  const mode = l.tls?.mode ?? "Terminate";
  st.tlsMode = mode;
  if (mode === "Passthrough") return;
  const refs = l.tls?.certificateRefs ?? [];
  if (refs.length === 0) {
    fail("resolvedRefs", "InvalidCertificateRef", "a Terminate listener needs at least one certificateRef");
    return;
  }
  for (const ref of refs) {
    const refNs = ref.namespace ?? ns;
    const group = ref.group ?? "";
    const kind = ref.kind ?? "Secret";
    if (group !== "" || kind !== "Secret") {
      fail("resolvedRefs", "InvalidCertificateRef", `certificateRef ${group || "core"}/${kind} ${ref.name}: only core Secrets are supported`);
      return;
    }
    if (!refAllowed(inp, { group: GatewayGroup, kind: st.owner.kind, namespace: ns }, { group: "", kind: "Secret", namespace: refNs, name: ref.name })) {
      fail("resolvedRefs", "RefNotPermitted", `Secret ${refNs}/${ref.name} is in another namespace and no ReferenceGrant allows it`);
      return;
    }
    const secret = inp.secrets.get(`${refNs}/${ref.name}`);
    if (!secret) {
      fail("resolvedRefs", "InvalidCertificateRef", `Secret ${refNs}/${ref.name} not found`);
      return;
    }
    const cert = certificateSecret(secret);
    if (!cert.ok) {
      fail("resolvedRefs", "InvalidCertificateRef", cert.message);
      return;
    }
    secrets.set(cert.secret.name, cert.secret);
    st.certificates.push(cert.secret.name);
  }
  const fv = gw.spec.tls?.frontend;
  const validation = fv?.perPort?.find((p) => p.port === l.port)?.tls.validation ?? fv?.default?.validation;
  if (validation?.caCertificateRefs && validation.caCertificateRefs.length > 0) {
    const ref = validation.caCertificateRefs[0]!;
    // The frontend validation belongs to the Gateway: its namespace and ReferenceGrants from Gateways.
    const gwNs = gw.metadata.namespace;
    const refNs = ref.namespace ?? gwNs;
    const bad = (reason: string, msg: string): void => {
      fail("resolvedRefs", reason, msg);
      // Without its CA the listener cannot verify clients; serving it unverified would open it.
      fail("accepted", "NoValidCACertificate", msg);
    };
    if (ref.kind !== "ConfigMap" || (ref.group ?? "") !== "") {
      bad("InvalidCACertificateKind", `caCertificateRef ${ref.group || "core"}/${ref.kind} ${ref.name}: only core ConfigMaps are supported`);
      return;
    }
    if (!refAllowed(inp, { group: GatewayGroup, kind: "Gateway", namespace: gwNs }, { group: "", kind: "ConfigMap", namespace: refNs, name: ref.name })) {
      bad("RefNotPermitted", `ConfigMap ${refNs}/${ref.name} is in another namespace and no ReferenceGrant allows it`);
      return;
    }
    const cm = inp.configMaps.get(`${refNs}/${ref.name}`);
    const ca = cm ? caSecretFromConfigMap(cm) : undefined;
    if (!ca?.ok) {
      bad("InvalidCACertificateRef", ca && !ca.ok ? ca.message : `CA ConfigMap ${refNs}/${ref.name} not found`);
      return;
    }
    secrets.set(ca.secret.name, ca.secret);
    st.clientValidation = { caSecret: ca.secret.name, optional: validation.mode === "AllowInsecureFallback" };
  }
}

/**
 * Listeners on one port must agree on the protocol family, and on distinct hostnames. `states`
 * is in precedence order (the Gateway's own listeners, then ListenerSets oldest first): the
 * earlier listener keeps the port or hostname, the later one is Conflicted and not accepted.
 */
export function markConflicts(states: readonly ListenerState[]): void {
  // A UDP port is another socket than the TCP port of the same number: they never conflict.
  const byPort = new Map<string, ListenerState[]>();
  for (const s of states) {
    const key = `${s.listener.port}/${s.listener.protocol === "UDP" ? "udp" : "tcp"}`;
    const list = byPort.get(key) ?? [];
    list.push(s);
    byPort.set(key, list);
  }
  for (const list of byPort.values()) {
    const first = list[0]!;
    const seenHosts = new Map<string, ListenerState>();
    for (const s of list) {
      const g = s.owner.generation;
      let reason: string | undefined;
      let msg = "";
      if (family(s.listener.protocol) !== family(first.listener.protocol)) {
        reason = "ProtocolConflict";
        msg = `port ${s.listener.port} is already used by listener ${first.key} with protocol ${first.listener.protocol}`;
      } else {
        const h = s.listener.hostname ?? "";
        const prev = seenHosts.get(h);
        if (prev && prev !== s) {
          reason = "HostnameConflict";
          msg = `listener ${prev.key} already serves hostname ${h || "(any)"} on port ${s.listener.port}`;
        } else seenHosts.set(h, s);
      }
      if (reason) {
        s.conditions.conflicted = condition("Conflicted", true, reason, msg, g);
        s.conditions.accepted = condition("Accepted", false, reason, msg, g);
        s.conditions.programmed = condition("Programmed", false, reason, msg, g);
        s.usable = false;
        s.attachable = false;
      }
    }
  }
}

export function listenerConditions(s: ListenerState): Condition[] {
  return [s.conditions.accepted, s.conditions.programmed, s.conditions.resolvedRefs, s.conditions.conflicted];
}
