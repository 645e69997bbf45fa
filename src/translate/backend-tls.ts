// BackendTLSPolicy: which Service ports the gateway reaches over TLS, and each policy's
// conditions. Policies are taken oldest first; a second policy on the same Service (and the same
// sectionName, or both without one) is Conflicted. A sectionName-scoped policy beats a
// Service-wide one for that port.
import type { BackendTLSPolicy } from "../kinds/gateway-api.ts";
import type { IrSecret, IrUpstreamTls } from "../ir/types.ts";
import type { ServicePort } from "../kinds/core.ts";
import { condition, type Condition } from "../object-status/types.ts";
import { nsName, type Inputs } from "./inputs.ts";
import { caSecretFromConfigMap } from "./secrets.ts";

export interface PolicyState {
  policy: BackendTLSPolicy;
  accepted: Condition;
  resolvedRefs: Condition;
  /** Set when the policy is usable: the TLS the targeted ports get. */
  tls?: Omit<IrUpstreamTls, "clientCertificate">;
}

/** The answer for one Service port: no policy, a usable one, or one that cannot be honoured. */
export type PortTls =
  | { kind: "none" }
  | { kind: "tls"; tls: Omit<IrUpstreamTls, "clientCertificate">; policy: PolicyState }
  | { kind: "invalid"; policy: PolicyState };

export class BackendTlsIndex {
  readonly states: PolicyState[] = [];
  /** "ns/service/sectionName" (empty sectionName = whole Service) -> winning policy. */
  private readonly byTarget = new Map<string, PolicyState>();

  constructor(inp: Inputs, secrets: Map<string, IrSecret>) {
    for (const policy of inp.backendTLSPolicies) {
      const st = this.evaluate(inp, policy, secrets);
      this.states.push(st);
      let conflicted = false;
      for (const t of policy.spec.targetRefs) {
        if ((t.group ?? "") !== "" || t.kind !== "Service") continue;
        const key = `${nsName(policy.metadata.namespace, t.name)}/${t.sectionName ?? ""}`;
        if (this.byTarget.has(key)) conflicted = true;
        else this.byTarget.set(key, st);
      }
      if (conflicted) {
        st.accepted = condition(
          "Accepted",
          false,
          "Conflicted",
          "an older BackendTLSPolicy already targets the same Service (and sectionName)",
          policy.metadata.generation,
        );
      }
    }
  }

  private evaluate(inp: Inputs, policy: BackendTLSPolicy, secrets: Map<string, IrSecret>): PolicyState {
    const g = policy.metadata.generation;
    const ns = policy.metadata.namespace;
    const st: PolicyState = {
      policy,
      accepted: condition("Accepted", true, "Accepted", "policy accepted", g),
      resolvedRefs: condition("ResolvedRefs", true, "ResolvedRefs", "all references resolved", g),
    };
    const bad = (reason: string, message: string): PolicyState => {
      st.resolvedRefs = condition("ResolvedRefs", false, reason, message, g);
      st.accepted = condition("Accepted", false, "NoValidCACertificate", message, g);
      return st;
    };
    const v = policy.spec.validation;
    if (v.wellKnownCACertificates !== undefined)
      return bad("InvalidCACertificateRef", `wellKnownCACertificates ${v.wellKnownCACertificates} is not supported; reference a CA ConfigMap`);
    const ref = v.caCertificateRefs?.[0];
    if (!ref) return bad("InvalidCACertificateRef", "no caCertificateRefs");
    if ((ref.group ?? "") !== "" || ref.kind !== "ConfigMap")
      return bad("InvalidKind", `caCertificateRef ${ref.group ? `${ref.group}/` : ""}${ref.kind} is not supported (only core ConfigMap)`);
    const cm = inp.configMaps.get(nsName(ns, ref.name));
    if (!cm) return bad("InvalidCACertificateRef", `CA ConfigMap ${ns}/${ref.name} not found`);
    const ca = caSecretFromConfigMap(cm);
    if (!ca.ok) return bad("InvalidCACertificateRef", ca.message);
    secrets.set(ca.secret.name, ca.secret);
    // Without subjectAltNames the certificate must carry the hostname (the Gateway API's rule).
    const sans = (v.subjectAltNames ?? []).map((s) =>
      s.type === "URI" ? { type: "URI" as const, value: s.uri ?? "" } : { type: "DNS" as const, value: s.hostname ?? "" },
    );
    st.tls = { sni: v.hostname, caSecret: ca.secret.name, sans: sans.length > 0 ? sans : [{ type: "DNS", value: v.hostname }] };
    return st;
  }

  /** The TLS a Service port gets. */
  forPort(ns: string, service: string, port: ServicePort): PortTls {
    const st = (port.name ? this.byTarget.get(`${ns}/${service}/${port.name}`) : undefined) ?? this.byTarget.get(`${ns}/${service}/`);
    if (!st) return { kind: "none" };
    return st.tls ? { kind: "tls", tls: st.tls, policy: st } : { kind: "invalid", policy: st };
  }

  /** Policies that target a Service (any sectionName), for ancestor status. */
  targeting(ns: string, service: string): PolicyState[] {
    return this.states.filter(
      (s) => s.policy.metadata.namespace === ns && s.policy.spec.targetRefs.some((t) => (t.group ?? "") === "" && t.kind === "Service" && t.name === service),
    );
  }
}
