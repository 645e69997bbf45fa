// Envoy's access log for every HTTP connection manager: one JSON object per request, written by
// Envoy to its stdout. Envoy's stdout is a file in the runtime folder (envoy.stdout.log beside
// xds.socket, so Envoy survives edgegate) that the supervisor follows, forwards line by line into
// edgegate's structured log (src/envoy/log-lines.ts makes each record's facts fields) and empties
// once 16 MiB are forwarded (src/envoy/log-tail.ts). One stream, one format, collected by journald
// or the container runtime like the rest of edgegate's log; no log file of its own to rotate.
// The cost: each request's line passes through edgegate's process (a file read and a JSON parse); the
// destination is not configurable yet (README, "Envoy's metrics and access logs").
import type { AccessLogSchema } from "../../gen/envoy/config/accesslog/v3/accesslog_pb.ts";
import { StdoutAccessLogSchema } from "../../gen/envoy/extensions/access_loggers/stream/v3/stream_pb.ts";
import { typed, type Init } from "./common.ts";

/** logger of every access record: how log-lines.ts tells them from Envoy's own log lines. */
export const ACCESS_LOG_LOGGER = "access_log";

/**
 * Field -> Envoy command operator. A value that is exactly one operator is rendered typed (numbers
 * as numbers); an operator with no value ("-") is left out (omit_empty_values).
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  level: "info",
  logger: ACCESS_LOG_LOGGER,
  msg: "access",
  start_time: "%START_TIME%",
  // The client as the connection manager decided it (the peer, or the address xff_num_trusted_hops
  // proxies vouch for), without the port; the direct peer with its port beside it.
  client_address: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
  peer_address: "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%",
  listener_address: "%DOWNSTREAM_LOCAL_ADDRESS%",
  method: "%REQ(:METHOD)%",
  authority: "%REQ(:AUTHORITY)%",
  path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
  protocol: "%PROTOCOL%",
  // The Envoy route name edgegate emits (the route object, rule and match), and the cluster it picked.
  route_name: "%ROUTE_NAME%",
  upstream_cluster: "%UPSTREAM_CLUSTER%",
  upstream_host: "%UPSTREAM_HOST%",
  status: "%RESPONSE_CODE%",
  response_flags: "%RESPONSE_FLAGS%",
  response_code_details: "%RESPONSE_CODE_DETAILS%",
  duration_ms: "%DURATION%",
  upstream_service_time_ms: "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
  bytes_received: "%BYTES_RECEIVED%",
  bytes_sent: "%BYTES_SENT%",
  request_id: "%REQ(X-REQUEST-ID)%",
  user_agent: "%REQ(USER-AGENT)%",
};

export function httpAccessLog(): Array<Init<typeof AccessLogSchema>> {
  return [
    typed("envoy.access_loggers.stdout", StdoutAccessLogSchema, {
      // google.protobuf.Struct is a plain JSON object in protobuf-es.
      accessLogFormat: { case: "logFormat", value: { format: { case: "jsonFormat", value: { ...ACCESS_LOG_FIELDS } }, omitEmptyValues: true } },
    }),
  ];
}
