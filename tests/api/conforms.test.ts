// The compile-time check that a TypeScript view names the fields of its proto with the same JSON
// types (src/api/conforms.ts) can fail: each deliberate difference below must be reported, with
// its path. The typecheck (`tsc`, part of `npm test`) runs these; the test keeps the paths honest.
import { expect, test } from "bun:test";
import type { Conforms, Mismatches } from "../../src/api/conforms.ts";
import type { EnvoyState } from "../../src/envoy/state.ts";
import type { EnvoyStateJson } from "../../src/gen/edgegate/status/v1/envoy_pb.ts";
import type { XdsViewJson } from "../../src/gen/edgegate/status/v1/xds_pb.ts";
import type { InputObjectStatusJson } from "../../src/gen/edgegate/status/v1/inputs_pb.ts";
import type { XdsStats } from "../../src/xds/cache/stats.ts";
import type { InputObjectStatus } from "../../src/server/status-types.ts";

type Exit = NonNullable<EnvoyState["lastExit"]>;

export type Same = Conforms<Mismatches<EnvoyState, EnvoyStateJson>>;
export type SameXds = Conforms<Mismatches<XdsStats, XdsViewJson>>;
// google.protobuf.Struct (the Gateway API's own status) takes any object.
export type SameInputs = Conforms<Mismatches<InputObjectStatus, InputObjectStatusJson>>;

// @ts-expect-error a field the proto does not define
export type Extra = Conforms<Mismatches<EnvoyState & { uptime: number }, EnvoyStateJson>>;
// @ts-expect-error a proto field the view lacks
export type Missing = Conforms<Mismatches<Omit<EnvoyState, "pid">, EnvoyStateJson>>;
// @ts-expect-error a different scalar type
export type Wrong = Conforms<Mismatches<Omit<EnvoyState, "restarts"> & { restarts: string }, EnvoyStateJson>>;
// @ts-expect-error nested: a list in the proto, a string in the view
export type Nested = Conforms<Mismatches<Omit<EnvoyState, "lastExit"> & { lastExit: Omit<Exit, "lastLines"> & { lastLines: string } }, EnvoyStateJson>>;
type StringCounts = Omit<XdsStats, "counters"> & { counters: Omit<XdsStats["counters"], "acks"> & { acks: Record<string, string> } };
// @ts-expect-error a map's values: counts as strings
export type MapValue = Conforms<Mismatches<StringCounts, XdsViewJson>>;

test("the mismatches are named by path", () => {
  const extra: Mismatches<EnvoyState & { uptime: number }, EnvoyStateJson> = ".uptime: not in the proto";
  const missing: Mismatches<Omit<EnvoyState, "pid">, EnvoyStateJson> = ".pid: not in the view";
  const nested: Mismatches<Omit<EnvoyState, "lastExit"> & { lastExit: Exit & { signalName: string } }, EnvoyStateJson> =
    ".lastExit.signalName: not in the proto";
  const list: Mismatches<Omit<XdsStats, "clients"> & { clients: Array<XdsStats["clients"][number] & { rtt: number }> }, XdsViewJson> =
    ".clients[].rtt: not in the proto";
  expect([extra, missing, nested, list]).toHaveLength(4);
});
