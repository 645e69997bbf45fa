// The RE2 shim built by native/re2/Makefile, embedded by `bun build --compile`. Required only from
// the compiled binary (see load.ts): a source checkout loads the file from native/re2/ directly.
import shimPath from "../../native/re2/libedgegate-re2.so" with { type: "file" };

export default shimPath;
