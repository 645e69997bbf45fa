// Kubernetes core and networking objects edgegate reads (v1, discovery.k8s.io/v1, networking.k8s.io/v1).
import type { NamespacedMeta, ObjectMeta } from "../store/types.ts";

/** An admitted object of kind K; namespaced unless M says otherwise (Namespace, IngressClass). */
interface Meta<K extends string, M extends ObjectMeta = NamespacedMeta> {
  apiVersion: string;
  kind: K;
  metadata: M;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: "TCP" | "UDP" | "SCTP";
  appProtocol?: string;
}

export type Service = Meta<"Service"> & {
  spec: {
    type?: "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";
    externalName?: string;
    clusterIP?: string;
    /** Both families of a dual-stack Service (clusterIPs[0] == clusterIP). */
    clusterIPs?: string[];
    ports?: ServicePort[];
    selector?: Record<string, string>;
  };
};

export type EndpointSlice = Meta<"EndpointSlice"> & {
  addressType: "IPv4" | "IPv6" | "FQDN";
  endpoints: Array<{ addresses: string[]; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean } }>;
  ports?: Array<{ name?: string; port?: number; protocol?: string; appProtocol?: string }>;
};

export type Secret = Meta<"Secret"> & { type?: string; data?: Record<string, string>; stringData?: Record<string, string> };
export type ConfigMap = Meta<"ConfigMap"> & { data?: Record<string, string> };
export type Namespace = Meta<"Namespace", ObjectMeta>;

export interface IngressBackend {
  service?: { name: string; port: { number?: number; name?: string } };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface IngressPath {
  path?: string;
  pathType: "Exact" | "Prefix" | "ImplementationSpecific";
  backend: IngressBackend;
}

export type Ingress = Meta<"Ingress"> & {
  spec: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: Array<{ hosts?: string[]; secretName?: string }>;
    rules?: Array<{ host?: string; http?: { paths: IngressPath[] } }>;
  };
};

export type IngressClass = Meta<"IngressClass", ObjectMeta> & { spec: { controller?: string; parameters?: unknown } };

/** Annotations on a selector-less Service that give it endpoints in labs without EndpointSlices. */
export const EndpointsAnnotation = "edgegate.io/endpoints";
