// Generates a large, valid edgegate input: 1 GatewayClass, 1 Gateway (HTTP listener with many
// hostnames), S Services with static endpoints and N HTTPRoutes of 4 rules (path + header match,
// 2 weighted backends each). Usage: bun bench/generate.ts N [OUT] [--hostnames 1000] [--services 500]
import { writeFileSync } from "node:fs";

export interface GenOptions {
  routes: number;
  hostnames: number;
  services: number;
}

export function generate(o: GenOptions): string {
  const out: string[] = [];
  out.push(`apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: edgegate
spec:
  controllerName: edgegate.io/gateway-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: bench
  namespace: default
spec:
  gatewayClassName: edgegate
  listeners:
  - name: http
    protocol: HTTP
    port: 80
    allowedRoutes:
      namespaces:
        from: Same
`);
  for (let s = 0; s < o.services; s++) {
    out.push(`---
apiVersion: v1
kind: Service
metadata:
  name: svc-${s}
  namespace: default
  annotations:
    edgegate.io/endpoints: "10.${(s >> 8) & 255}.${s & 255}.1,10.${(s >> 8) & 255}.${s & 255}.2"
spec:
  ports:
  - name: http
    port: 8080
`);
  }
  for (let r = 0; r < o.routes; r++) {
    const host = `host-${r % o.hostnames}.example.com`;
    const rules: string[] = [];
    for (let k = 0; k < 4; k++) {
      const a = (r * 4 + k) % o.services;
      const b = (r * 4 + k + 1) % o.services;
      rules.push(`  - matches:
    - path:
        type: PathPrefix
        value: /r${r}/p${k}
      headers:
      - name: x-variant
        value: v${k}
    backendRefs:
    - name: svc-${a}
      port: 8080
      weight: 80
    - name: svc-${b}
      port: 8080
      weight: 20`);
    }
    out.push(`---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: route-${r}
  namespace: default
spec:
  parentRefs:
  - name: bench
  hostnames:
  - ${host}
  rules:
${rules.join("\n")}
`);
  }
  return out.join("");
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const flag = (name: string, def: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const positional = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
  const routes = Number(positional[0] ?? 1000);
  const text = generate({ routes, hostnames: flag("--hostnames", 1000), services: flag("--services", 500) });
  if (positional[1]) writeFileSync(positional[1], text);
  else process.stdout.write(text);
}
