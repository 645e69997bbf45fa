// Byte layouts of bpf/mesh.bpf.c's maps (struct eg_mesh4_key, eg_mesh6_key, eg_mesh_val). Pure.
import type { MeshTarget } from "../../ir/datapath.ts";
import { formatIp, parseIp, type Family } from "../../net/ip.ts";

/** A Service ClusterIP (IPv4 or IPv6) and port, and Envoy's mesh listener port on loopback. */
export type MeshEntry = MeshTarget;

export const MESH_KEY4_SIZE = 8;
export const MESH_KEY6_SIZE = 20;
export const MESH_VAL_SIZE = 16;

export function meshKey(address: string, port: number): { family: Family; key: Uint8Array } | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  if (ip.family === 4) {
    const key = new Uint8Array(MESH_KEY4_SIZE);
    key.set(ip.bytes.subarray(0, 4), 0);
    new DataView(key.buffer).setUint16(4, port, false);
    return { family: 4, key };
  }
  const key = new Uint8Array(MESH_KEY6_SIZE);
  key.set(ip.bytes.subarray(0, 16), 0);
  new DataView(key.buffer).setUint16(16, port, false);
  return { family: 6, key };
}

export function decodeMeshKey(family: Family, key: Uint8Array): { address: string; port: number } {
  const v = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return family === 4
    ? { address: formatIp(4, key.subarray(0, 4)), port: v.getUint16(4, false) }
    : { address: formatIp(6, key.subarray(0, 16)), port: v.getUint16(16, false) };
}

/** A value for a new entry: the Envoy port, connections counted from 0. */
export function meshValue(envoyPort: number, connections = 0n): Uint8Array {
  const b = new Uint8Array(MESH_VAL_SIZE);
  const v = new DataView(b.buffer);
  v.setUint16(0, envoyPort, false);
  v.setBigUint64(8, connections, true);
  return b;
}

export function decodeMeshValue(b: Uint8Array): { envoyPort: number; connections: bigint } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { envoyPort: v.getUint16(0, false), connections: v.getBigUint64(8, true) };
}
