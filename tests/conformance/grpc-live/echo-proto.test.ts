// The hand-written grpcecho codec against protobuf-es's wire writer and reader, so a mistake in
// field numbers or length encoding cannot hide behind a round trip through the same code.
import { expect, test } from "bun:test";
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { decodeEchoResponse, encodeEchoResponse, type EchoAssertions } from "./echo-proto.ts";

const a: EchoAssertions = {
  fullyQualifiedMethod: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo",
  headers: [
    { key: "version", value: "two" },
    { key: ":authority", value: "x".repeat(200) },
  ],
  authority: "x".repeat(200),
  context: { namespace: "gateway-conformance-infra", ingress: "", serviceName: "", pod: "grpc-infra-backend-v1-0123456789-abcde" },
};

test("EchoResponse encodes as protobuf-es writes it", () => {
  const ctx = new BinaryWriter().tag(1, 2).string(a.context.namespace).tag(4, 2).string(a.context.pod).finish();
  const w = new BinaryWriter().tag(1, 2).string(a.fullyQualifiedMethod);
  for (const h of a.headers) w.tag(2, 2).bytes(new BinaryWriter().tag(1, 2).string(h.key).tag(2, 2).string(h.value).finish());
  const assertions = w.tag(3, 2).string(a.authority).tag(4, 2).bytes(ctx).finish();
  const want = new BinaryWriter().tag(1, 2).bytes(assertions).tag(2, 2).bytes(new Uint8Array()).finish();
  expect([...encodeEchoResponse(a)]).toEqual([...want]);
});

test("EchoResponse decodes what protobuf-es reads", () => {
  const buf = encodeEchoResponse(a);
  expect(decodeEchoResponse(buf)).toEqual(a);
  // Field 1 of the outer message is the assertions, and its field 4's field 4 is the pod.
  const outer = new BinaryReader(buf);
  expect(outer.tag()).toEqual([1, 2]);
  expect(outer.bytes().length).toBeGreaterThan(200);
});
