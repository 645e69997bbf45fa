// The BPF objects built by bpf/Makefile, embedded by `bun build --compile`. Imported dynamically by
// the loader so that a source checkout without `make -C bpf` reports that instead of failing to start.
import ingressPath from "../../bpf/ingress.bpf.o" with { type: "file" };
import egressPath from "../../bpf/egress.bpf.o" with { type: "file" };
import meshPath from "../../bpf/mesh.bpf.o" with { type: "file" };

export async function loadObjects(): Promise<{ ingress: Uint8Array; egress: Uint8Array; mesh: Uint8Array }> {
  // libbpf cannot open /$bunfs paths: read the bytes and hand them to bpf_object__open_mem
  return { ingress: await Bun.file(ingressPath).bytes(), egress: await Bun.file(egressPath).bytes(), mesh: await Bun.file(meshPath).bytes() };
}
