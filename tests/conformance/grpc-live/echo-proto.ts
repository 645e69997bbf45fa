// The suite's grpcecho.proto messages (conformance/echo-basic/grpcecho.proto, package
// gateway_api_conformance.echo_basic.grpcecho), encoded and decoded by hand: the messages are
// tiny and only use strings, repeated strings and sub-messages, so protobuf wire type 2
// (length-delimited) is all there is. Field numbers are the .proto's.

export const ECHO_SERVICE = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho";

export interface EchoContext {
  namespace: string; // 1
  ingress: string; // 2
  serviceName: string; // 3
  pod: string; // 4
}

export interface EchoAssertions {
  fullyQualifiedMethod: string; // 1
  headers: { key: string; value: string }[]; // 2, Header{key = 1, value = 2}
  authority: string; // 3
  context: EchoContext; // 4
  // 5 tls_assertions: the gRPC backends of the suite serve plaintext only (no TLS secret).
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** Field `field` with wire type 2. Proto3 omits empty strings; sub-messages are always written. */
function field(field: number, value: Uint8Array | string, always = false): number[] {
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
  if (bytes.length === 0 && !always) return [];
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}

export function encodeEchoResponse(a: EchoAssertions): Buffer {
  const ctx = new Uint8Array([
    ...field(1, a.context.namespace),
    ...field(2, a.context.ingress),
    ...field(3, a.context.serviceName),
    ...field(4, a.context.pod),
  ]);
  const headers = a.headers.flatMap((h) => field(2, new Uint8Array([...field(1, h.key), ...field(2, h.value)]), true));
  const assertions = new Uint8Array([...field(1, a.fullyQualifiedMethod), ...headers, ...field(3, a.authority), ...field(4, ctx, true)]);
  // request (2) is an empty EchoRequest, echoed back as the Go server does.
  return Buffer.from([...field(1, assertions, true), ...field(2, new Uint8Array(), true)]);
}

/** Length-delimited fields of one message by number; varint / fixed fields are skipped. */
function fields(buf: Uint8Array): Map<number, Uint8Array[]> {
  const out = new Map<number, Uint8Array[]>();
  let i = 0;
  const readVarint = (): number => {
    let n = 0;
    let shift = 0;
    for (;;) {
      if (i >= buf.length) throw new Error("truncated varint");
      const b = buf[i++]!;
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return n;
    }
  };
  while (i < buf.length) {
    const tag = readVarint();
    const wire = tag & 7;
    if (wire === 0) readVarint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = readVarint();
      const list = out.get(tag >>> 3) ?? [];
      list.push(buf.subarray(i, i + len));
      out.set(tag >>> 3, list);
      i += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Map<number, Uint8Array[]>, n: number): string => new TextDecoder().decode(f.get(n)?.at(-1) ?? new Uint8Array());

export function decodeEchoResponse(buf: Uint8Array): EchoAssertions {
  const a = fields(fields(buf).get(1)?.at(-1) ?? new Uint8Array());
  const c = fields(a.get(4)?.at(-1) ?? new Uint8Array());
  return {
    fullyQualifiedMethod: str(a, 1),
    headers: (a.get(2) ?? []).map((h) => {
      const hf = fields(h);
      return { key: str(hf, 1), value: str(hf, 2) };
    }),
    authority: str(a, 3),
    context: { namespace: str(c, 1), ingress: str(c, 2), serviceName: str(c, 3), pod: str(c, 4) },
  };
}
