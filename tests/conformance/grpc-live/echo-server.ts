// The suite's gRPC echo backend (conformance/echo-basic/grpc/grpc.go) as a real @grpc/grpc-js
// server per fake pod: Echo and EchoTwo answer with assertions {fully_qualified_method, headers,
// authority, context{namespace, pod}}; EchoThree is left unimplemented, so the server answers
// UNIMPLEMENTED exactly as the Go server's UnimplementedGrpcEchoServer does.
import * as grpc from "@grpc/grpc-js";
import type { Pod } from "../harness/backends.ts";
import { ECHO_SERVICE, encodeEchoResponse } from "./echo-proto.ts";

const raw = (b: Buffer): Buffer => b;

export interface EchoBackend {
  pod: Pod;
  port: number;
  served: number;
  stop(): Promise<void>;
}

function handler(b: EchoBackend, method: string): grpc.handleUnaryCall<Buffer, Buffer> {
  return (call, cb) => {
    b.served++;
    const headers: { key: string; value: string }[] = [];
    for (const [key, values] of Object.entries(call.metadata.getMap())) headers.push({ key, value: String(values) });
    const authority = call.getHost();
    // grpc-go's incoming metadata carries :authority; grpc-js keeps it apart, so add it back.
    if (authority) headers.push({ key: ":authority", value: authority });
    cb(
      null,
      encodeEchoResponse({
        fullyQualifiedMethod: `/${ECHO_SERVICE}/${method}`,
        headers,
        authority,
        context: { namespace: b.pod.namespace, ingress: "", serviceName: "", pod: b.pod.name },
      }),
    );
  };
}

/** Listens on the pod's own loopback address and `port` (0 = any free port). */
export async function startEchoBackend(pod: Pod, port: number): Promise<EchoBackend> {
  const server = new grpc.Server();
  const b: EchoBackend = { pod, port, served: 0, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
  const def: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const impl: grpc.UntypedServiceImplementation = {};
  for (const m of ["Echo", "EchoTwo"]) {
    const path = `/${ECHO_SERVICE}/${m}`;
    def[m] = {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: raw,
      responseDeserialize: raw,
      originalName: m,
    };
    impl[m] = handler(b, m);
  }
  server.addService(def, impl);
  b.port = await new Promise<number>((res, rej) =>
    server.bindAsync(`${pod.ip}:${port}`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return b;
}

/**
 * One server per pod, all on one port (the Service's targetPort stands for it in the
 * EndpointSlices): a free port is taken on the first pod's address and reused for the others,
 * retrying with another port if one of them is busy (another run on this machine).
 */
export async function startEchoBackends(pods: readonly Pod[]): Promise<{ port: number; backends: EchoBackend[] }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const backends: EchoBackend[] = [];
    try {
      const first = await startEchoBackend(pods[0]!, 0);
      backends.push(first);
      for (const p of pods.slice(1)) backends.push(await startEchoBackend(p, first.port));
      return { port: first.port, backends };
    } catch {
      await Promise.all(backends.map((b) => b.stop()));
    }
  }
  throw new Error("could not bind the gRPC echo backends on one common port");
}
