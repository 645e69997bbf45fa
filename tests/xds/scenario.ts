// The route edits of issue 17 item 1, as one scenario shared by the CI test
// (change-safety.test.ts, small scale) and the benchmark (bench/change, with 10,000 other routes):
// weights shifted step by step, a swap to a Service created in the same edit, matches added and
// removed, a route deleted and recreated under another name, a Service's endpoints changed, a
// listener added to and removed from the same Gateway. Every edit says which backends may answer
// "/test.Echo/Echo" once it is in force.
import { gatewayClass, gatewayYaml, grpcRouteYaml, serviceYaml, type GrpcRule } from "./pipeline-plane.ts";

export interface Edit {
  what: string;
  apply(): void;
  /** Labels of the backends that may answer once the edit is in force. */
  expect: string[];
}

export interface Scenario {
  host: string;
  edits: Edit[];
  /** The scenario's files in their current state (name -> YAML). */
  files(): Record<string, string>;
}

/** `ports`: backend label -> port of the gRPC echo backend answering with that label (A-D). */
export function routeEditScenario(ports: Record<string, number>, host = "app.example.com"): Scenario {
  let services: Record<string, string> = { "svc-a": "A", "svc-b": "B" };
  let listeners: Record<string, number> = { grpc: 18080 };
  let routeName = "app";
  let rules: GrpcRule[] = [{ to: { "svc-a": 1 } }];
  const weights = (a: number, b: number): GrpcRule[] => [{ to: { "svc-a": a, "svc-b": b } }];
  const edits: Edit[] = [
    ...[80, 60, 40, 20].map((a) => ({ what: `weights ${a}/${100 - a}`, apply: () => void (rules = weights(a, 100 - a)), expect: ["A", "B"] })),
    { what: "weights 0/100", apply: () => void (rules = weights(0, 100)), expect: ["B"] },
    {
      what: "swap to a Service created in the same edit",
      apply: () => void ((services = { ...services, "svc-c": "C" }), (rules = [{ to: { "svc-c": 1 } }])),
      expect: ["C"],
    },
    {
      what: "swap back, that Service deleted in the same edit",
      apply: () => void ((services = { "svc-a": "A", "svc-b": "B" }), (rules = [{ to: { "svc-a": 1 } }])),
      expect: ["A"],
    },
    {
      what: "a header match added",
      apply: () => void (rules = [{ method: "test.Echo/Echo", headers: { "x-canary": "yes" }, to: { "svc-b": 1 } }, { to: { "svc-a": 1 } }]),
      expect: ["A"],
    },
    { what: "a method match added before it", apply: () => void (rules = [{ method: "test.Echo/Echo", to: { "svc-b": 1 } }, ...rules]), expect: ["B"] },
    { what: "the method match removed", apply: () => void (rules = rules.slice(1)), expect: ["A"] },
    { what: "the header match removed", apply: () => void (rules = [{ to: { "svc-a": 1 } }]), expect: ["A"] },
    {
      what: "route deleted and recreated under another name, to svc-b",
      apply: () => void ((routeName = "app-v2"), (rules = [{ to: { "svc-b": 1 } }])),
      expect: ["B"],
    },
    { what: "svc-b's endpoints changed to D", apply: () => void (services = { ...services, "svc-b": "D" }), expect: ["D"] },
    { what: "svc-b's endpoints changed back", apply: () => void (services = { ...services, "svc-b": "B" }), expect: ["B"] },
    { what: "a listener added to the Gateway", apply: () => void (listeners = { grpc: 18080, grpc2: 18081 }), expect: ["B"] },
    { what: "the listener removed again", apply: () => void (listeners = { grpc: 18080 }), expect: ["B"] },
    ...[25, 50, 75].map((a) => ({ what: `weights ${a}/${100 - a}`, apply: () => void (rules = weights(a, 100 - a)), expect: ["A", "B"] })),
    { what: "weights 100/0", apply: () => void (rules = weights(100, 0)), expect: ["A"] },
    { what: "swap to a new Service again", apply: () => void ((services = { ...services, "svc-d": "D" }), (rules = [{ to: { "svc-d": 1 } }])), expect: ["D"] },
    { what: "and back, deleting it", apply: () => void ((services = { "svc-a": "A", "svc-b": "B" }), (rules = [{ to: { "svc-a": 1 } }])), expect: ["A"] },
    { what: "route renamed again", apply: () => void (routeName = "app-v3"), expect: ["A"] },
    { what: "endpoints of svc-a changed to C", apply: () => void (services = { ...services, "svc-a": "C" }), expect: ["C"] },
    { what: "and back", apply: () => void (services = { ...services, "svc-a": "A" }), expect: ["A"] },
  ];
  return {
    host,
    edits,
    files: () => ({
      "base.yaml": [gatewayClass, gatewayYaml(listeners), ...Object.entries(services).map(([n, l]) => serviceYaml(n, [ports[l]!]))].join("---\n"),
      "route.yaml": grpcRouteYaml(routeName, { hostnames: [host], rules }),
    }),
  };
}
