// The RE2 program-size limit edgegate sets in Envoy's bootstrap and enforces in validation: one
// number, so a regex `validate` accepts is never refused by Envoy for its size.
//
// Envoy compiles every safe_regex with RE2 and refuses one whose RE2::ProgramSize() exceeds the
// runtime value re2.max_program_size.error_level (Envoy's default: 100, which a counted repetition
// like [a-z0-9-]{1,63} (255) already exceeds). edgegate raises it to 1000: ten times Envoy's default,
// room for real-world path and header patterns, while one regex stays a few kilobytes of program.
// The warn level is the same number: Envoy has nothing to warn about that edgegate accepted.
export const RE2_MAX_PROGRAM_SIZE = 1000;

/** The runtime keys, as they appear in the bootstrap's static layer. */
export const re2RuntimeLayer = {
  "re2.max_program_size.error_level": RE2_MAX_PROGRAM_SIZE,
  "re2.max_program_size.warn_level": RE2_MAX_PROGRAM_SIZE,
} as const;
