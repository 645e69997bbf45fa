// File mode's Programmed is the data plane's: withheld (Pending) until the local Envoy ACKs a
// configuration with the Gateway, here with the real snapshot cache and a scripted Envoy-like ADS
// client standing in for Envoy's acknowledgements (a double for the ACKs, not for routing).
import { expect, test } from "bun:test";
import { LocalProgrammed } from "../../src/run/local-programmed.ts";
import type { AckSource } from "../../src/kube/node-report.ts";
import type { Condition, ObjectStatus } from "../../src/object-status/types.ts";

function fakeCache(): AckSource & { state: { current: boolean; reason?: string }; version: string; fire(): void } {
  const listeners: Array<(ev: { type: string }) => void> = [];
  const c = {
    state: { current: false, reason: "xds client n is not connected" } as { current: boolean; reason?: string },
    version: "v1",
    onEvent(fn: (ev: { type: string }) => void) {
      listeners.push(fn);
      return () => {};
    },
    ackState: () => c.state,
    snapshot: () => ({ version: c.version }),
    fire: () => listeners.forEach((l) => l({ type: "ack" })),
  };
  return c;
}

const programmedTrue = (generation: number): Condition[] => [
  { type: "Programmed", status: "True", reason: "Programmed", message: "Gateway programmed", observedGeneration: generation },
];
const gw = (generation: number): ObjectStatus => ({
  kind: "Gateway",
  namespace: "web",
  name: "gw",
  status: { addresses: [], conditions: programmedTrue(generation), listeners: [] },
});

test("Pending without Envoy; True once it ACKs the version containing this generation; Pending again for a new generation until ACKed", () => {
  const cache = fakeCache();
  const lp = new LocalProgrammed(cache, "n");
  const programmed = (g: number) => lp.conditions("web", "gw", programmedTrue(g))[0]!;
  lp.published([gw(1)]);
  expect(programmed(1)).toMatchObject({ status: "False", reason: "Pending" });
  expect(programmed(1).message).toContain("Envoy is not connected to xDS");
  cache.state = { current: true };
  cache.fire();
  expect(programmed(1)).toMatchObject({ status: "True", reason: "Programmed" });
  // a new generation is published; Envoy has not ACKed it yet
  cache.version = "v2";
  cache.state = { current: false, reason: "n (stream 1) lds: waiting for ACK of v2" };
  lp.published([gw(2)]);
  expect(programmed(2)).toMatchObject({ status: "False", reason: "Pending" });
  cache.state = { current: true };
  cache.fire();
  expect(programmed(2).status).toBe("True");
});
