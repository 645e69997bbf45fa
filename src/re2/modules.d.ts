// Native shared objects are imported as files (Bun embeds them in the compiled binary).
declare module "*.so" {
  const path: string;
  export default path;
}
