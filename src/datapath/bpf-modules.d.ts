// Compiled BPF objects are imported as files (Bun embeds them in the compiled binary).
declare module "*.bpf.o" {
  const path: string;
  export default path;
}
