// IR secrets -> SDS Secret resources: a certificate rotation updates one Secret, not the listener.
import { create } from "@bufbuild/protobuf";
import { SecretSchema, type Secret } from "../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.ts";
import type { IrSecret } from "../../ir/types.ts";

const inline = (value: string) => ({ specifier: { case: "inlineString" as const, value } });

export function emitSecret(s: IrSecret): Secret {
  if (s.type === "certificate") {
    return create(SecretSchema, {
      name: s.name,
      type: { case: "tlsCertificate", value: { certificateChain: inline(s.certChain), privateKey: inline(s.privateKey) } },
    });
  }
  return create(SecretSchema, { name: s.name, type: { case: "validationContext", value: { trustedCa: inline(s.caBundle) } } });
}
