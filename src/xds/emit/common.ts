// Small builders shared by the emitters: addresses, ADS config sources, typed extension configs.
// They return protobuf-es init shapes, which create() of the enclosing message checks and fills.
import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { anyPack, type Any } from "@bufbuild/protobuf/wkt";
import { ApiVersion, type ConfigSourceSchema } from "../../gen/envoy/config/core/v3/config_source_pb.ts";
import type { AddressSchema } from "../../gen/envoy/config/core/v3/address_pb.ts";
import { HeaderValueOption_HeaderAppendAction, type HeaderValueOptionSchema } from "../../gen/envoy/config/core/v3/base_pb.ts";
import type { IrHeaderMutation } from "../../ir/types.ts";

export type Init<D extends DescMessage> = MessageInitShape<D>;

export function socketAddress(address: string, port: number): Init<typeof AddressSchema> {
  return { address: { case: "socketAddress", value: { address, portSpecifier: { case: "portValue", value: port } } } };
}

/** Every dynamic resource comes over the one ADS stream, so updates are ordered. */
export function ads(): Init<typeof ConfigSourceSchema> {
  return { configSourceSpecifier: { case: "ads", value: {} }, resourceApiVersion: ApiVersion.V3 };
}

export function pack<D extends DescMessage>(schema: D, init: Init<D>): Any {
  return anyPack(schema, create(schema, init));
}

export function typed<D extends DescMessage>(name: string, schema: D, init: Init<D>): { name: string; configType: { case: "typedConfig"; value: Any } } {
  return { name, configType: { case: "typedConfig", value: pack(schema, init) } };
}

export function duration(ms: number): { seconds: bigint; nanos: number } {
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

// Envoy parses header values as format strings (%REQ(x)%...): a Gateway API value is literal text,
// so every % is escaped (a lone % would make Envoy refuse the whole RouteConfiguration).
const literal = (v: string): string => v.replaceAll("%", "%%");

export function headersToAdd(m: IrHeaderMutation | undefined): Array<Init<typeof HeaderValueOptionSchema>> {
  if (!m) return [];
  return [
    ...m.set.map((h) => ({ header: { key: h.name, value: literal(h.value) }, appendAction: HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD })),
    ...m.add.map((h) => ({ header: { key: h.name, value: literal(h.value) }, appendAction: HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD })),
  ];
}
