// Real gRPC on loopback for the xDS tests: echo backends that answer with their own label (so a test
// can see which backend served an RPC) and channels that resolve through a given ADS server with
// grpc-js-xds, each with its own bootstrap and therefore its own xDS client and node id.
import * as grpc from "@grpc/grpc-js";
import * as xds from "@grpc/grpc-js-xds";

xds.register();

const raw = (b: Buffer): Buffer => b;
export const methods = ["/test.Echo/Echo", "/test.Echo/Other", "/test.Admin/Status"] as const;

export interface Backend {
  label: string;
  port: number;
  served: number;
  stop(): Promise<void>;
}

/** A gRPC server on 127.0.0.1 that answers every method in `methods` with "<label>". */
export async function startBackend(label: string): Promise<Backend> {
  const server = new grpc.Server();
  const b: Backend = { label, port: 0, served: 0, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
  const handler: grpc.handleUnaryCall<Buffer, Buffer> = (_call, cb) => {
    b.served++;
    cb(null, Buffer.from(label));
  };
  const def: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const impl: grpc.UntypedServiceImplementation = {};
  for (const path of methods) {
    def[path] = {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: raw,
      responseDeserialize: raw,
      originalName: path,
    };
    impl[path] = handler;
  }
  server.addService(def, impl);
  b.port = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return b;
}

export function bootstrap(adsPort: number, nodeId: string): string {
  return JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${adsPort}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
    node: { id: nodeId, cluster: "edgegate-tests", locality: {} },
  });
}

/** A channel for xds:///<listener> with its own xDS client (grpc-js-xds's per-channel bootstrap option). */
export function xdsClient(listener: string, adsPort: number, nodeId: string): grpc.Client {
  return new grpc.Client(`xds:///${listener}`, grpc.credentials.createInsecure(), {
    "grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config": bootstrap(adsPort, nodeId),
  });
}

/** One unary RPC; resolves to the label of the backend that served it. */
export function call(client: grpc.Client, method: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<string> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(method, raw, raw, Buffer.from("ping"), md, { deadline: Date.now() + timeoutMs }, (err, res) =>
      err || !res ? reject(err ?? new Error("empty response")) : resolve(res.toString()),
    ),
  );
}

/** grpc-js-xds's answer for an RPC no route matches (UNAVAILABLE "Failed to route call to method ..."): before a route exists, the expected not-found. */
export function isNoRoute(e: unknown): boolean {
  const message = (e as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && message.includes("Failed to route call");
}
