// Pure parts of the datapath: addresses, reconciliation against in-memory maps (incremental,
// adoption of existing entries, ordering), the GatewayNetworkPolicy validator and compiler.
import { describe, expect, test } from "bun:test";
import { formatIp, parseCidr, parseIp } from "../../src/net/ip.ts";
import {
  decodeCidrKey,
  decodeLabel,
  decodePolicyVal,
  decodeRangeVal,
  decodeRuleVal,
  decodeSteerVal,
  hex,
  portPrefixes,
  u32Key,
} from "../../src/datapath/layout.ts";
import { reconcile, type MapIo } from "../../src/datapath/reconcile.ts";
import { validateGatewayNetworkPolicy } from "../../src/policy/validate.ts";
import { compilePolicies } from "../../src/policy/compile.ts";
import type { GatewayNetworkPolicy } from "../../src/policy/types.ts";
import type { DatapathIntent, SteeringTarget } from "../../src/ir/datapath.ts";
import { planLocalRoutes } from "../../src/datapath/local-routes.ts";
import type { Reporter } from "../../src/validate/problems.ts";
import { formatPath } from "../../src/validate/problems.ts";
import type { FieldPath } from "../../src/yaml/documents.ts";

class FakeMap implements MapIo {
  readonly m = new Map<string, { k: Uint8Array; v: Uint8Array }>();
  ops: string[] = [];
  constructor(readonly name: string) {}
  keys(): Uint8Array[] {
    return [...this.m.values()].map((e) => e.k);
  }
  lookup(k: Uint8Array): Uint8Array | undefined {
    return this.m.get(hex(k))?.v;
  }
  update(k: Uint8Array, v: Uint8Array): void {
    this.ops.push(`${this.m.has(hex(k)) ? "update" : "add"} ${this.name}`);
    this.m.set(hex(k), { k: k.slice(), v: v.slice() });
  }
  delete(k: Uint8Array): boolean {
    this.ops.push(`delete ${this.name}`);
    return this.m.delete(hex(k));
  }
}

function maps() {
  const log: string[] = [];
  const mk = (n: string): FakeMap => {
    const f = new FakeMap(n);
    f.ops = log;
    return f;
  };
  return {
    log,
    shared: { counters: mk("counters"), labels: mk("labels") },
    ingress: { steer: mk("steer"), ranges: mk("ranges"), policy: mk("policy"), cidr4: mk("cidr4"), cidr6: mk("cidr6") },
    egress: { egress4: mk("egress4"), egress6: mk("egress6") },
  };
}

const target = (address: string, port: number) => ({ address, port, envoyPort: 15001, gateway: "ns/gw", listener: "http" });

describe("ip", () => {
  test("parses and formats v4 and v6", () => {
    expect(formatIp(6, parseIp("2001:db8::1")!.bytes)).toBe("2001:db8::1");
    expect(formatIp(6, parseIp("::ffff:10.0.0.1")!.bytes)).toBe("::ffff:a00:1");
    expect(parseIp("10.0.0.256")).toBeUndefined();
    expect(parseIp("1::2::3")).toBeUndefined();
    expect(parseCidr("10.1.2.3/8")).toMatchObject({ bits: 8, hostBits: true });
    expect(Array.from(parseCidr("10.1.2.3/8")!.bytes)).toEqual([10, 0, 0, 0]);
    expect(parseCidr("fd00::/129")).toBeUndefined();
  });
});

describe("reconcile", () => {
  const intent: DatapathIntent = {
    mesh: [],
    steering: [target("10.0.0.10", 80), target("fd00::10", 80)],
    policies: [
      {
        port: 80,
        rules: [
          { cidr: "10.0.0.0/8", action: "allow" },
          { cidr: "10.66.0.0/16", action: "deny" },
          { cidr: "fd00::/16", action: "allow" },
        ],
        defaultAction: "deny",
        policy: "ns/p",
      },
    ],
    egress: [{ cidr: "10.20.0.0/16", port: 443, reason: "ns/p" }],
  };

  test("fills empty maps, then a second identical run changes nothing", () => {
    const m = maps();
    const r = reconcile(m.shared, m.ingress, m.egress, intent);
    expect(r.problems).toEqual([]);
    expect(m.ingress.steer.m.size).toBe(2);
    expect(m.ingress.cidr4.m.size).toBe(2);
    expect(m.ingress.cidr6.m.size).toBe(1);
    expect(m.egress.egress4.m.size).toBe(1);
    // rules are written before the policy entry that points at them
    const firstPolicy = m.log.indexOf("add policy");
    expect(m.log.lastIndexOf("add cidr4")).toBeLessThan(firstPolicy);
    const labels = [...m.shared.labels.m.values()].map((e) => decodeLabel(e.v)).sort();
    expect(labels).toContain("ns/p *:80 deny 10.66.0.0/16");
    m.log.length = 0;
    reconcile(m.shared, m.ingress, m.egress, intent);
    expect(m.log).toEqual([]);
  });

  test("a change touches only what differs, and slots and policy ids survive", () => {
    const m = maps();
    reconcile(m.shared, m.ingress, m.egress, intent);
    const before = new Map([...m.ingress.cidr4.m].map(([k, e]) => [k, decodeRuleVal(e.v).slot]));
    m.log.length = 0;
    const next: DatapathIntent = {
      ...intent,
      policies: [
        { ...intent.policies[0]!, rules: [...intent.policies[0]!.rules.filter((r) => r.cidr !== "10.66.0.0/16"), { cidr: "192.168.0.0/24", action: "allow" }] },
      ],
    };
    reconcile(m.shared, m.ingress, m.egress, next);
    expect(m.log.filter((o) => !o.includes("labels") && !o.includes("counters")).sort()).toEqual(["add cidr4", "delete cidr4"]);
    for (const [k, e] of m.ingress.cidr4.m) if (before.has(k)) expect(decodeRuleVal(e.v).slot).toBe(before.get(k)!);
  });

  test("the same CIDR allowed and denied is denied; listeners sharing a target merge, a conflicting one is reported", () => {
    const m = maps();
    const r = reconcile(m.shared, m.ingress, m.egress, {
      mesh: [],
      steering: [
        target("10.0.0.10", 80),
        { ...target("10.0.0.10", 80), listener: "http-alt" },
        { ...target("10.0.0.10", 80), gateway: "ns/other", envoyPort: 15002 },
      ],
      policies: [
        {
          port: 80,
          rules: [
            { cidr: "10.0.0.0/8", action: "deny" },
            { cidr: "10.0.0.0/8", action: "allow" },
          ],
          defaultAction: "deny",
          policy: "ns/p",
        },
      ],
      egress: [],
    });
    expect(r.problems.length).toBe(1);
    expect(m.ingress.steer.m.size).toBe(1);
    expect([...m.shared.labels.m.values()].map((e) => decodeLabel(e.v))).toContain("steer ns/gw/http,ns/gw/http-alt 10.0.0.10:80 -> 127.0.0.1:15001");
    const [e] = [...m.ingress.cidr4.m.values()];
    expect(decodeRuleVal(e!.v).action).toBe(2);
  });

  test("removal frees labels; steering value encodes the Envoy listener", () => {
    const m = maps();
    reconcile(m.shared, m.ingress, m.egress, intent);
    const [s] = [...m.ingress.steer.m.values()].map((e) => decodeSteerVal(e.v)).filter((v) => v.family === 4);
    expect(s).toMatchObject({ family: 4, envoyPort: 15001 });
    expect(Array.from(s!.envoyAddr)).toEqual([127, 0, 0, 1]);
    reconcile(m.shared, m.ingress, m.egress, { steering: [], policies: [], egress: [], mesh: [] });
    for (const t of [m.ingress.steer, m.ingress.policy, m.ingress.cidr4, m.ingress.cidr6, m.egress.egress4]) expect(t.m.size).toBe(0);
    expect(m.shared.labels.m.size).toBe(0);
  });

  test("policy ids of existing policies are kept, new ones get unused ids", () => {
    const m = maps();
    reconcile(m.shared, m.ingress, m.egress, intent);
    const id80 = decodePolicyVal([...m.ingress.policy.m.values()][0]!.v).policyId;
    reconcile(m.shared, m.ingress, m.egress, { ...intent, policies: [...intent.policies, { ...intent.policies[0]!, port: 443, policy: "ns/q" }] });
    const ids = [...m.ingress.policy.m.values()].map((e) => decodePolicyVal(e.v).policyId);
    expect(ids).toContain(id80);
    expect(new Set(ids).size).toBe(2);
    const ruleIds = new Set([...m.ingress.cidr4.m.values()].map((e) => decodeCidrKey(e.k).policyId));
    expect(ruleIds).toEqual(new Set(ids));
    expect(m.shared.counters.lookup(u32Key(16))).toBeDefined();
  });
});

describe("sk_lookup listener slots and port ranges", () => {
  test("UDP and TCP on one address and port are separate entries, each with its own policy; UDP ranges are refused", () => {
    const m = maps();
    const udp = { ...target("10.0.0.10", 53), protocol: "UDP" as const, listener: "dns" };
    const r = reconcile(m.shared, m.ingress, m.egress, {
      steering: [target("10.0.0.10", 53), udp, { ...udp, port: 6000, portEnd: 6010, listener: "game" }],
      policies: [{ port: 53, protocol: "UDP", address: "10.0.0.10", rules: [{ cidr: "10.9.0.0/16", action: "deny" }], defaultAction: "allow", policy: "ns/p" }],
      egress: [],
      mesh: [],
    });
    expect(r.problems).toEqual(["steering ns/gw/game: UDP port range 10.0.0.10:6000-6010 is not steered: Envoy would answer from port 15001"]);
    const keys = [...m.ingress.steer.m.values()].map((e) => e.k);
    expect(keys.map((k) => k[1]).sort()).toEqual([0, 1]); // EG_PROTO_TCP, EG_PROTO_UDP
    expect([...m.shared.labels.m.values()].map((e) => decodeLabel(e.v)).sort()).toEqual([
      "ns/p 10.0.0.10:53/udp default",
      "ns/p 10.0.0.10:53/udp deny 10.9.0.0/16",
      "steer ns/gw/dns 10.0.0.10:53/udp -> 127.0.0.1:15001",
      "steer ns/gw/http 10.0.0.10:53 -> 127.0.0.1:15001",
    ]);
    const policyKey = [...m.ingress.policy.m.values()][0]!.k;
    expect(policyKey[1]).toBe(1);
    expect(m.ingress.ranges.m.size).toBe(0);
  });

  test("a steering value names its listener slot: the steered address, or Envoy's explicit one", () => {
    const m = maps();
    reconcile(m.shared, m.ingress, m.egress, {
      mesh: [],
      steering: [target("10.0.0.10", 80), target("10.0.0.11", 80), { ...target("10.0.0.12", 443), envoyAddress: "::" }],
      policies: [],
      egress: [],
    });
    const vals = [...m.ingress.steer.m.values()].map((e) => decodeSteerVal(e.v));
    expect(vals.map((v) => `${v.family} ${formatIp(v.family as 4 | 6, v.envoyAddr)} ${formatIp(v.family as 4 | 6, v.listenerAddr)}`).sort()).toEqual([
      "4 127.0.0.1 10.0.0.10",
      "4 127.0.0.1 10.0.0.11",
      "6 :: ::",
    ]);
  });

  test("port prefixes cover a range exactly", () => {
    const covered = (lo: number, hi: number): number[] => portPrefixes(lo, hi).flatMap((p) => Array.from({ length: 2 ** (16 - p.bits) }, (_, i) => p.port + i));
    expect(portPrefixes(9000, 9010)).toEqual([
      { port: 9000, bits: 13 },
      { port: 9008, bits: 15 },
      { port: 9010, bits: 16 },
    ]);
    expect(covered(9000, 9010)).toEqual(Array.from({ length: 11 }, (_, i) => 9000 + i));
    expect(portPrefixes(1, 65535).length).toBe(16);
    expect(covered(30000, 32767).length).toBe(2768);
  });

  test("a range is one slot over its prefixes; resizing keeps the slot, removal frees it; overlaps are refused", () => {
    const m = maps();
    const range = (end: number) => ({ ...target("10.0.0.10", 9000), portEnd: end, listener: "range" });
    const r = reconcile(m.shared, m.ingress, m.egress, {
      steering: [range(9010), { ...range(9005), gateway: "ns/other" }],
      policies: [],
      egress: [],
      mesh: [],
    });
    expect(r.problems).toEqual([expect.stringContaining("port range 10.0.0.10:9000-9005 overlaps steer ns/gw/range 10.0.0.10:9000-9010")]);
    const vals = [...m.ingress.ranges.m.values()].map((e) => decodeRangeVal(e.v));
    expect(vals.length).toBe(3);
    expect(new Set(vals.map((v) => v.slot)).size).toBe(1);
    expect(vals[0]).toMatchObject({ firstPort: 9000, lastPort: 9010, envoyPort: 15001 });
    expect(m.ingress.steer.m.size).toBe(0);
    const slot = vals[0]!.slot;
    reconcile(m.shared, m.ingress, m.egress, { steering: [range(9007)], policies: [], egress: [], mesh: [] });
    const after = [...m.ingress.ranges.m.values()].map((e) => decodeRangeVal(e.v));
    expect(after.map((v) => [v.slot, v.lastPort])).toEqual([[slot, 9007]]); // 9000-9007 is one /13 prefix
    expect(decodeLabel(m.shared.labels.lookup(u32Key(slot))!)).toBe("steer ns/gw/range 10.0.0.10:9000-9007 -> 127.0.0.1:15001");
    reconcile(m.shared, m.ingress, m.egress, { steering: [], policies: [], egress: [], mesh: [] });
    expect(m.ingress.ranges.m.size).toBe(0);
    expect(m.shared.labels.m.size).toBe(0);
  });
});

class Collect implements Reporter {
  readonly problems: string[] = [];
  error(path: FieldPath, message: string): void {
    this.problems.push(`${formatPath(path)}: ${message}`);
  }
  get count(): number {
    return this.problems.length;
  }
}

describe("GatewayNetworkPolicy", () => {
  const valid = {
    apiVersion: "edgegate.io/v1alpha1",
    kind: "GatewayNetworkPolicy",
    metadata: { name: "p", namespace: "ns" },
    spec: {
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw", sectionName: "http" }],
      ingress: { allow: ["10.0.0.0/8", "fd00::/16"], deny: ["10.66.0.0/16"] },
      egress: { allow: [{ cidr: "10.20.0.0/16", ports: [443] }, { cidr: "fd00:20::/64" }] },
    },
  };

  test("a valid policy has no problems", () => {
    const r = new Collect();
    validateGatewayNetworkPolicy(valid, r);
    expect(r.problems).toEqual([]);
  });

  test("problems name the field", () => {
    const r = new Collect();
    validateGatewayNetworkPolicy(
      {
        ...valid,
        spec: {
          targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "gw" }],
          ingress: { allow: ["10.1.2.3/8", "nope", 7], deny: ["10.0.0.0/8"], typo: [] },
          egress: { allow: [{ cidr: "10.0.0.0/33", ports: [0] }] },
        },
      },
      r,
    );
    expect(r.problems).toEqual([
      'spec.targetRefs[0].kind: must be one of Gateway (got "HTTPRoute")',
      expect.stringContaining("spec.ingress.typo"),
      'spec.ingress.allow[0]: "10.1.2.3/8" has bits set past the /8 prefix (did you mean 10.0.0.0/8?)',
      'spec.ingress.allow[1]: "nope" is not an IPv4 or IPv6 address or CIDR',
      'spec.ingress.allow[2]: must be a CIDR string such as "10.0.0.0/8" or "2001:db8::/32" (got 7)',
      'spec.egress.allow[0].cidr: "10.0.0.0/33" is not an IPv4 or IPv6 address or CIDR',
      "spec.egress.allow[0].ports[0]: must be a port number between 1 and 65535 (got 0)",
    ]);
  });

  test("compiles onto the targeted listener's addresses and ports", () => {
    const c = compilePolicies(
      [valid as GatewayNetworkPolicy],
      [target("10.0.0.10", 80), target("fd00::10", 80), { ...target("10.0.0.10", 443), listener: "https" }],
    );
    expect(c.policies.map((p) => `${p.address}:${p.port} ${p.defaultAction} ${p.rules.length}`)).toEqual(["10.0.0.10:80 deny 3", "fd00::10:80 deny 3"]);
    expect(c.egress).toEqual([
      { cidr: "10.20.0.0/16", port: 443, reason: "ns/p" },
      { cidr: "fd00:20::/64", reason: "ns/p" },
    ]);
    // a UDP listener's policy entry carries its protocol; TCP's on the same port is separate
    const udp = compilePolicies([valid as GatewayNetworkPolicy], [target("10.0.0.10", 80), { ...target("10.0.0.10", 80), protocol: "UDP" }]);
    expect(udp.policies.map((p) => `${p.address}:${p.port}/${p.protocol ?? "TCP"}`)).toEqual(["10.0.0.10:80/TCP", "10.0.0.10:80/UDP"]);
    const none = compilePolicies(
      [{ ...valid, spec: { ...valid.spec, targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "missing" }] } } as GatewayNetworkPolicy],
      [],
    );
    expect(none.unresolved.length).toBe(1);
  });
});

describe("local routes for steered addresses the node does not have", () => {
  const t = (address: string): SteeringTarget => ({ address, port: 80, envoyPort: 80, envoyAddress: address, gateway: "web/gw", listener: "http" });
  test("configured addresses need none; missing ones are added, unsteered ones of ours removed", () => {
    const view = { local: new Set(["192.0.2.10", "2001:db8::10"]), ours: new Set(["203.0.113.9", "203.0.113.5"]) };
    expect(planLocalRoutes([t("192.0.2.10"), t("203.0.113.5"), t("2001:db8:0::7"), t("198.51.100.7")], view)).toEqual({
      add: ["198.51.100.7", "2001:db8::7"],
      remove: ["203.0.113.9"],
    });
    expect(planLocalRoutes([], view)).toEqual({ add: [], remove: ["203.0.113.5", "203.0.113.9"] });
  });
});
