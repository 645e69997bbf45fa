// The GATEWAY-TLS tests cases.json does not carry (every TLSRoute test of v1.6.1, and the one
// ListenerSet test only GATEWAY-TLS runs), transcribed by hand from conformance/tests/*.go at tag
// conformance/v1.6.1 of kubernetes-sigs/gateway-api.
// Each status assertion keeps the Go file's line and the helper's name, with arguments in the
// vocabulary of cases.json (status-check.ts reads both); each connection case is one
// tcp.MakeTCPRequestAndExpectEventuallyValidResponse, tls.MakeTLSRequestAndExpectEventuallyConsistentResponse
// or tls.MakeTLSConnectionAndExpectEventuallyConnectionRejection call (REPORT.md §4, TLSRoute).
//
// gwAddr: kubernetes.WaitForGatewayAddress with a bare NewGatewayRef dials the first listener's
// port, so `port` below is the test Gateway's first listener port.
import type { StatusAssertionJson } from "./suite.ts";

const NS = "gateway-conformance-infra";
const CA = `${NS}/tls-checks-ca-certificate`;

export type TlsExpectation =
  /** tcp.MakeTCPRequestAndExpectEventuallyValidResponse: TLS dial (RootCAs = ConfigMap `trust`), then the tcp echo dialogue. */
  | { kind: "tcp-echo"; trustConfigMap: string; backend: string; namespace: string; backendIsTLS: boolean; serverName?: string }
  /** tls.MakeTLSRequestAndExpectEventuallyConsistentResponse: HTTPS (RootCAs = Secret `trustSecret`'s certificate) answered by echo-basic. */
  | { kind: "https-echo"; trustSecret: string; host: string; path: string; backend: string; namespace: string }
  /** tls.MakeTLSConnectionAndExpectEventuallyConnectionRejection: the handshake must end in RST or EOF. */
  | { kind: "rejected" };

export interface TlsConnectionCase {
  /** Go line of the request helper call. */
  line: number;
  gateway: { namespace: string; name: string; port: number };
  sni: string;
  expect: TlsExpectation;
}

export interface TlsTestJson {
  name: string;
  /** The Go source the entry was transcribed from. */
  source: string;
  manifests: string[];
  statusAssertions: StatusAssertionJson[];
  connections: TlsConnectionCase[];
}

const a = (line: number, call: string, ...args: unknown[]): StatusAssertionJson => ({ line, call, args });
const gw = (name: string, port: number) => ({ namespace: NS, name, port });
const nn = (name: string) => `${NS}/${name}`;
const listener = (Name: string, AttachedRoutes: number, SupportedKinds: string[], Conditions: string[]) => ({
  Name,
  AttachedRoutes,
  SupportedKinds,
  Conditions,
});

function intersectionCases(first: number, gateway: string, other: boolean, nonMatching: string): TlsConnectionCase[] {
  const g = gw(gateway, 443);
  const trustSecret = `${NS}/tls-checks-certificate`;
  const out: TlsConnectionCase[] = [
    {
      line: first,
      gateway: g,
      sni: "abc.example.com",
      expect: { kind: "https-echo", trustSecret, host: "abc.example.com", path: "/", backend: "tls-backend", namespace: NS },
    },
  ];
  if (other)
    out.push({
      line: first + 10,
      gateway: g,
      sni: "other.example.com",
      expect: { kind: "https-echo", trustSecret, host: "other.example.com", path: "/", backend: "tls-backend-2", namespace: NS },
    });
  out.push({ line: first + (other ? 20 : 10), gateway: g, sni: nonMatching, expect: { kind: "rejected" } });
  return out;
}

export const TLS_TESTS: readonly TlsTestJson[] = [
  {
    name: "TLSRouteSimpleSameNamespace",
    source: "conformance/tests/tlsroute-simple-same-namespace.go",
    manifests: ["conformance/tests/tlsroute-simple-same-namespace.yaml"],
    statusAssertions: [a(50, "GatewayAndTLSRoutesMustBeAccepted", `Gateway ${nn("gateway-tlsroute")}`, nn("gateway-conformance-infra-test"))],
    connections: [
      {
        line: 66,
        gateway: gw("gateway-tlsroute", 443),
        sni: "abc.example.com",
        expect: { kind: "tcp-echo", trustConfigMap: CA, backend: "tcp-backend", namespace: NS, backendIsTLS: true, serverName: "abc.example.com" },
      },
    ],
  },
  {
    name: "TLSRouteTerminateSimpleSameNamespace",
    source: "conformance/tests/tlsroute-terminate-simple-same-namespace.go",
    manifests: ["conformance/tests/tlsroute-terminate-simple-same-namespace.yaml"],
    statusAssertions: [a(52, "GatewayAndTLSRoutesMustBeAccepted", `Gateway ${nn("gateway-tlsroute-terminate")}`, nn("tlsroute-terminated-test"))],
    connections: [
      {
        line: 68,
        gateway: gw("gateway-tlsroute-terminate", 8443),
        sni: "tls.example.com",
        expect: { kind: "tcp-echo", trustConfigMap: CA, backend: "tcp-backend", namespace: NS, backendIsTLS: false },
      },
    ],
  },
  {
    name: "TLSRouteMixedTerminationSameNamespace",
    source: "conformance/tests/tlsroute-mixed-termination-same-namespace.go",
    manifests: ["conformance/tests/tlsroute-mixed-termination-same-namespace.yaml"],
    statusAssertions: [
      a(56, "GatewayAndTLSRoutesMustBeAccepted", `Gateway ${nn("gateway-tlsroute-mixed-termination")}`, nn("gateway-conformance-mixed-passthroughroute")),
      a(87, "GatewayStatusMustHaveListeners", nn("gateway-tlsroute-mixed-termination"), [
        listener("tls-terminate", 1, ["TLSRoute"], ["Accepted=True (reason Accepted)"]),
        listener("tls-passthrough", 1, ["TLSRoute"], ["Accepted=True (reason Accepted)"]),
      ]),
      a(94, "GatewayAndTLSRoutesMustBeAccepted", `Gateway ${nn("gateway-tlsroute-mixed-termination")}`, nn("gateway-conformance-mixed-terminateroute")),
    ],
    connections: [
      {
        line: 114,
        gateway: gw("gateway-tlsroute-mixed-termination", 8883),
        sni: "tls.example.com",
        expect: { kind: "tcp-echo", trustConfigMap: CA, backend: "tcp-backend", namespace: NS, backendIsTLS: false },
      },
      {
        line: 125,
        gateway: gw("gateway-tlsroute-mixed-termination", 8883),
        sni: "abc.example.com",
        expect: { kind: "tcp-echo", trustConfigMap: CA, backend: "tcp-backend", namespace: NS, backendIsTLS: true, serverName: "abc.example.com" },
      },
    ],
  },
  {
    name: "TLSRouteHostnameIntersection",
    source: "conformance/tests/tlsroute-hostname-intersection.go",
    manifests: ["conformance/tests/tlsroute-hostname-intersection.yaml"],
    statusAssertions: [
      a(62, "GatewayAndTLSRoutesMustBeAccepted", `Gateway ${nn("gw-tlsroute-exact-hostname-x-1")}`, nn("tlsroute-more-specific-wc-hostname-x-1")),
      a(64, "TLSRouteMustHaveResolvedRefsConditionsTrue", nn("tlsroute-more-specific-wc-hostname-x-1"), nn("gw-tlsroute-exact-hostname-x-1")),
      a(
        88,
        "GatewayAndTLSRoutesMustBeAccepted",
        `Gateway ${nn("gw-tlsroute-more-specific-wc-hostname-x-2")}`,
        nn("tlsroute-exact-hostname-x-2"),
        nn("tlsroute-less-specific-wc-hostname-x-2"),
      ),
      a(91, "TLSRouteMustHaveResolvedRefsConditionsTrue", nn("tlsroute-exact-hostname-x-2"), nn("gw-tlsroute-more-specific-wc-hostname-x-2")),
      a(91, "TLSRouteMustHaveResolvedRefsConditionsTrue", nn("tlsroute-less-specific-wc-hostname-x-2"), nn("gw-tlsroute-more-specific-wc-hostname-x-2")),
      a(
        126,
        "GatewayAndTLSRoutesMustBeAccepted",
        `Gateway ${nn("gw-tlsroute-less-specific-wc-hostname-x-3")}`,
        nn("tlsroute-exact-hostname-x-3"),
        nn("tlsroute-more-specific-wc-hostname-x-3"),
      ),
      a(129, "TLSRouteMustHaveResolvedRefsConditionsTrue", nn("tlsroute-exact-hostname-x-3"), nn("gw-tlsroute-less-specific-wc-hostname-x-3")),
      a(129, "TLSRouteMustHaveResolvedRefsConditionsTrue", nn("tlsroute-more-specific-wc-hostname-x-3"), nn("gw-tlsroute-less-specific-wc-hostname-x-3")),
      a(
        164,
        "GatewayAndTLSRoutesMustBeAccepted",
        `Gateway ${nn("gw-tlsroute-empty-hostname-x-4")}`,
        nn("tlsroute-exact-hostname-x-4"),
        nn("tlsroute-less-specific-wc-hostname-x-4"),
      ),
      a(167, "TLSRouteMustHaveResolvedRefsConditionsTrue", nn("tlsroute-exact-hostname-x-4"), nn("gw-tlsroute-empty-hostname-x-4")),
      a(167, "TLSRouteMustHaveResolvedRefsConditionsTrue", nn("tlsroute-less-specific-wc-hostname-x-4"), nn("gw-tlsroute-empty-hostname-x-4")),
    ],
    connections: [
      ...intersectionCases(68, "gw-tlsroute-exact-hostname-x-1", false, "non.matching.com"),
      ...intersectionCases(96, "gw-tlsroute-more-specific-wc-hostname-x-2", true, "non.matching.com"),
      ...intersectionCases(134, "gw-tlsroute-less-specific-wc-hostname-x-3", true, "non.matching.com"),
      ...intersectionCases(172, "gw-tlsroute-empty-hostname-x-4", true, "non.matching.org"),
    ],
  },
  {
    name: "TLSRouteInvalidBackendRefNonexistent",
    source: "conformance/tests/tlsroute-invalid-backendref-nonexistent.go",
    manifests: ["conformance/tests/tlsroute-invalid-backendref-nonexistent.yaml"],
    statusAssertions: [
      a(54, "GatewayAndTLSRoutesMustBeAccepted", `Gateway ${nn("gateway-tlsroute-invalid-backend-ref-nonexistent")}`, nn("invalid-backend-ref-nonexistent")),
      a(
        64,
        "TLSRouteMustHaveCondition",
        nn("invalid-backend-ref-nonexistent"),
        nn("gateway-tlsroute-invalid-backend-ref-nonexistent"),
        "ResolvedRefs=False (reason BackendNotFound)",
      ),
    ],
    connections: [{ line: 69, gateway: gw("gateway-tlsroute-invalid-backend-ref-nonexistent", 443), sni: "example.com", expect: { kind: "rejected" } }],
  },
  {
    name: "TLSRouteInvalidBackendRefUnknownKind",
    source: "conformance/tests/tlsroute-invalid-backendref-unknown-kind.go",
    manifests: ["conformance/tests/tlsroute-invalid-backendref-unknown-kind.yaml"],
    statusAssertions: [
      a(54, "GatewayAndTLSRoutesMustBeAccepted", `Gateway ${nn("gateway-tlsroute-invalid-backend-ref-unknown-kind")}`, nn("invalid-backend-ref-unknown-kind")),
      a(
        64,
        "TLSRouteMustHaveCondition",
        nn("invalid-backend-ref-unknown-kind"),
        nn("gateway-tlsroute-invalid-backend-ref-unknown-kind"),
        "ResolvedRefs=False (reason InvalidKind)",
      ),
    ],
    connections: [{ line: 69, gateway: gw("gateway-tlsroute-invalid-backend-ref-unknown-kind", 443), sni: "example.com", expect: { kind: "rejected" } }],
  },
  {
    name: "TLSRouteInvalidNoMatchingListenerHostname",
    source: "conformance/tests/tlsroute-invalid-no-matching-listener-hostname.go",
    manifests: ["conformance/tests/tlsroute-invalid-no-matching-listener-hostname.yaml"],
    statusAssertions: [
      a(
        58,
        "TLSRouteMustHaveCondition",
        nn("tlsroute-hostname-mismatch-1"),
        nn("gateway-tls-exact-hostname"),
        "Accepted=False (reason NoMatchingListenerHostname)",
      ),
      a(
        62,
        "TLSRouteMustHaveCondition",
        nn("tlsroute-hostname-mismatch-2"),
        nn("gateway-tls-wildcard-hostname"),
        "Accepted=False (reason NoMatchingListenerHostname)",
      ),
      a(66, "TLSRouteMustHaveNoAcceptedParents", nn("tlsroute-hostname-mismatch-1")),
      a(70, "TLSRouteMustHaveNoAcceptedParents", nn("tlsroute-hostname-mismatch-2")),
      a(74, "GatewayMustHaveZeroRoutes", nn("gateway-tls-exact-hostname")),
      a(78, "GatewayMustHaveZeroRoutes", nn("gateway-tls-wildcard-hostname")),
    ],
    connections: [],
  },
  {
    name: "TLSRouteInvalidNoMatchingListener",
    source: "conformance/tests/tlsroute-invalid-no-matching-listener.go",
    manifests: ["conformance/tests/tlsroute-invalid-no-matching-listener.yaml"],
    statusAssertions: [
      a(
        69,
        "TLSRouteMustHaveCondition",
        nn("tlsroute-not-allowed-protocol-http"),
        nn("gateway-tlsroute-http-only"),
        "Accepted=False (reason NotAllowedByListeners)",
      ),
      a(
        72,
        "TLSRouteMustHaveCondition",
        nn("tlsroute-not-allowed-protocol-https"),
        nn("gateway-tlsroute-https-only"),
        "Accepted=False (reason NotAllowedByListeners)",
      ),
      a(
        75,
        "TLSRouteMustHaveCondition",
        nn("tlsroute-no-matching-section-name"),
        nn("gateway-tlsroute-tls-passthrough-only"),
        "Accepted=False (reason NoMatchingParent)",
      ),
      a(78, "TLSRouteMustHaveNoAcceptedParents", nn("tlsroute-not-allowed-protocol-http")),
      a(81, "TLSRouteMustHaveNoAcceptedParents", nn("tlsroute-not-allowed-protocol-https")),
      a(84, "TLSRouteMustHaveNoAcceptedParents", nn("tlsroute-no-matching-section-name")),
      a(87, "GatewayMustHaveZeroRoutes", nn("gateway-tlsroute-http-only")),
      a(90, "GatewayMustHaveZeroRoutes", nn("gateway-tlsroute-https-only")),
    ],
    connections: [],
  },
  {
    name: "TLSRouteInvalidReferenceGrant",
    source: "conformance/tests/tlsroute-invalid-reference-grant.go",
    manifests: ["conformance/tests/tlsroute-invalid-reference-grant.yaml"],
    statusAssertions: [
      a(48, "GatewayAndTLSRoutesMustBeAccepted", `Gateway ${nn("gateway-tlsroute-referencegrant")}`, nn("gateway-conformance-infra-test")),
      a(
        57,
        "TLSRouteMustHaveCondition",
        nn("gateway-conformance-infra-test"),
        nn("gateway-tlsroute-referencegrant"),
        "ResolvedRefs=False (reason RefNotPermitted)",
      ),
    ],
    connections: [],
  },
  {
    name: "TLSRouteListenerPassthroughSupportedKinds",
    source: "conformance/tests/tlsroute-listener-passthrough-supported-kinds.go",
    manifests: ["conformance/tests/tlsroute-listener-passthrough-supported-kinds.yaml"],
    statusAssertions: [
      a(60, "GatewayStatusMustHaveListeners", nn("gateway-tlsroute-passthrough-supported-kind"), [
        listener("tls-passthrough", 0, ["TLSRoute"], ["ResolvedRefs=False (reason InvalidRouteKinds)"]),
      ]),
    ],
    connections: [],
  },
  {
    name: "TLSRouteListenerTerminateSupportedKinds",
    source: "conformance/tests/tlsroute-listener-terminate-supported-kinds.go",
    manifests: ["conformance/tests/tlsroute-listener-terminate-supported-kinds.yaml"],
    statusAssertions: [
      a(63, "GatewayStatusMustHaveListeners", nn("gateway-tlsroute-terminate-supported"), [
        listener("tls-terminate", 0, ["TLSRoute"], ["Accepted=True (reason Accepted)"]),
      ]),
    ],
    connections: [],
  },
  // In the GATEWAY-TLS profile only, hence not in cases.json.
  {
    name: "ListenerSetAllowedRoutesSupportedKinds",
    source: "conformance/tests/listenerset-allowed-routes-supported-kinds.go",
    manifests: ["conformance/tests/listenerset-allowed-routes-supported-kinds.yaml"],
    statusAssertions: [
      a(53, "GatewayMustHaveCondition", nn("gateway-with-listener-sets-test-supported-route-kinds"), "Accepted=True"),
      a(
        60,
        "ListenerSetListenersMustHaveConditions",
        nn("listenerset-test-allowed-routes-supported-kinds"),
        ["ResolvedRefs=False (reason InvalidRouteKinds)"],
        '"listener-set-listener-allowed-routes-tls-only"',
      ),
    ],
    connections: [],
  },
  // The next two run only when the feature is NOT claimed (the Go test returns early otherwise);
  // they are transcribed so a build that drops the claim is still checked.
  {
    name: "TLSRouteListenerTerminateNotSupported",
    source: "conformance/tests/tlsroute-listener-terminate-not-supported.go",
    manifests: ["conformance/tests/tlsroute-listener-terminate-not-supported.yaml"],
    statusAssertions: [
      a(61, "GatewayStatusMustHaveListeners", nn("gateway-tlsroute-terminate-unsupported"), [
        listener("tls-terminate", 0, [], ["Accepted=False (reason UnsupportedValue)"]),
      ]),
    ],
    connections: [],
  },
  {
    name: "TLSRouteListenerMixedTerminationNotSupported",
    source: "conformance/tests/tlsroute-listener-mixed-termination-not-supported.go",
    manifests: ["conformance/tests/tlsroute-listener-mixed-termination-not-supported.yaml"],
    statusAssertions: [
      a(72, "GatewayStatusMustHaveListeners", nn("gateway-tlsroute-mixed-termination-not-supported"), [
        listener("tls-terminate", 0, [], ["Accepted=False (reason ProtocolConflict)"]),
        listener("tls-passthrough", 0, [], ["Accepted=False (reason ProtocolConflict)"]),
      ]),
    ],
    connections: [],
  },
];
