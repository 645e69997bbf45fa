// translate + emit in one call: the whole pure pipeline from store objects to xDS and status.
import type { ApplianceConfig } from "../config/types.ts";
import type { Ir } from "../ir/types.ts";
import { refKey, type StoredObject } from "../store/types.ts";
import type { ObjectStatus, TranslateProblem } from "../object-status/types.ts";
import { translate, type TranslateOptions } from "../translate/index.ts";
import type { HostPorts } from "../gateway/host-ports.ts";
import { emitXds } from "../xds/emit/index.ts";
import type { EmitOptions } from "../xds/emit/options.ts";
import type { XdsResources } from "../xds/resources.ts";
import { expandPool } from "../net/pool.ts";
import { TranslateMemo } from "../gateway/memo.ts";
import { POLICY_KIND } from "../policy/types.ts";
import { ofKind } from "../store/known.ts";
import { policyStatus } from "../policy/status.ts";
import { EmitMemo } from "../xds/emit/memo.ts";

export interface CompileInput {
  objects: readonly StoredObject[];
  config: ApplianceConfig;
  /** The node's addresses as learned while running (src/run/node-state.ts); the configured ones when absent. */
  nodeAddresses?: readonly string[];
  /** Kept by a long-running caller between compiles: makes a small change cost little. */
  memo?: CompileMemo;
  /** What the node lets Envoy bind, observed by the appliance (src/net/listening.ts); unknown when absent. */
  hostPorts?: HostPorts;
  /**
   * Objects an xDS client rejected, held back by src/xds/nack/guard.ts (key -> why): each is
   * reported as a problem, and a route gets a condition on each of its parents.
   */
  heldBack?: ReadonlyMap<string, string>;
}

/** The route parent condition of a route an xDS client rejected (implementation-specific type). */
export const XdsAcceptedCondition = "edgegate.io/XdsAccepted";

export class CompileMemo {
  readonly translate = new TranslateMemo();
  readonly emit = new EmitMemo();
}

export interface CompileResult {
  ir: Ir;
  status: ObjectStatus[];
  problems: TranslateProblem[];
  xds: XdsResources;
}

export function translateOptions(c: ApplianceConfig, nodeAddresses: readonly string[] = c.node.addresses): TranslateOptions {
  return {
    controllerName: c.controllerName,
    ingressController: c.ingressController,
    bindAddress: c.exposure.bindAddress,
    nodeAddresses,
    addressPool: expandPool(c.exposure.addressPool),
    // NodePort mapping is decided in translate (src/gateway/exposure.ts), per GatewayClass.
    exposure: { mode: c.exposure.mode, nodePorts: c.exposure.nodePorts },
  };
}

export function emitOptions(c: ApplianceConfig): EmitOptions {
  return { xffNumTrustedHops: c.http.xffNumTrustedHops, transparent: c.datapath.mode !== "off" };
}

/** translate only, for callers that emit differently (render streams its output). */
export function translateOnly({ objects, config, nodeAddresses, memo, hostPorts }: CompileInput): ReturnType<typeof translate> {
  const t = translate(objects, { ...translateOptions(config, nodeAddresses), memo: memo?.translate, ...(hostPorts ? { hostPorts } : {}) });
  // The edgegate.io policy kind reports its ancestors like any Gateway API policy.
  const policies = ofKind(objects, POLICY_KIND);
  if (policies.length > 0) t.status.push(...policyStatus(policies, t.status, config.controllerName));
  return t;
}

export function compile({ objects, config, nodeAddresses, memo, hostPorts, heldBack }: CompileInput): CompileResult {
  const t = translateOnly({ objects, config, nodeAddresses, memo, hostPorts });
  const xds = emitXds(t.ir, emitOptions(config), memo?.emit);
  if (heldBack && heldBack.size > 0) markHeldBack(t, heldBack);
  return { ...t, xds };
}

function markHeldBack(t: { status: ObjectStatus[]; problems: TranslateProblem[] }, heldBack: ReadonlyMap<string, string>): void {
  for (const [key, reason] of heldBack) {
    t.problems.push({ key, path: [], message: `held back: ${reason}; its last accepted version stays in force until it changes` });
  }
  // Route status objects may be the memo's (gateway/memo.ts: kept while the route is unchanged):
  // a held-back route gets a copy, so the condition does not outlive the hold.
  t.status = t.status.map((st) => {
    if (st.kind !== "HTTPRoute" && st.kind !== "GRPCRoute" && st.kind !== "TLSRoute") return st;
    const reason = heldBack.get(refKey(st));
    if (reason === undefined) return st;
    const parents = st.status.parents.map((p) => ({
      ...p,
      conditions: [
        ...p.conditions.filter((c) => c.type !== XdsAcceptedCondition),
        { type: XdsAcceptedCondition, status: "False" as const, reason: "Rejected", message: `held back: ${reason}` },
      ],
    }));
    return { ...st, status: { ...st.status, parents } };
  });
}
