// A C ABI over RE2 for edgegate's validator (loaded with bun:ffi). It answers what Envoy would
// answer when it compiles a regex: RE2 with RE2::Quiet options (Envoy's CompiledGoogleReMatcher),
// the error text on failure, and RE2::ProgramSize(), which Envoy compares with its
// re2.max_program_size runtime limits. Also rewrite-string checks and matching, for the tests'
// protoc-gen-validate `pattern` rules (PGV's C++ validators use RE2 too).
#include <re2/re2.h>
#include <cstring>
#include <string>

namespace {
void copy_error(const std::string& msg, char* err, size_t err_len) {
  if (err == nullptr || err_len == 0) return;
  size_t n = msg.size() < err_len - 1 ? msg.size() : err_len - 1;
  std::memcpy(err, msg.data(), n);
  err[n] = '\0';
}
}  // namespace

extern "C" {

// Returns the program size (> 0, an int as RE2 reports it) when the pattern compiles, else -(RE2::ErrorCode) with the
// error text in err. Never throws: RE2 reports errors through ok()/error().
int edgegate_re2_check(const char* pattern, size_t len, char* err, size_t err_len) {
  RE2 re(re2::StringPiece(pattern, len), RE2::Quiet);
  if (!re.ok()) {
    copy_error(re.error(), err, err_len);
    int code = static_cast<int>(re.error_code());
    return code > 0 ? -code : -1;
  }
  return re.ProgramSize();
}

// 1 when `rewrite` is a valid substitution for the pattern (\0..\9 within the number of
// capturing groups, \\ for a backslash), 0 with the reason in err, -1 when the pattern is invalid.
int edgegate_re2_check_rewrite(const char* pattern, size_t len, const char* rewrite, size_t rewrite_len, char* err, size_t err_len) {
  RE2 re(re2::StringPiece(pattern, len), RE2::Quiet);
  if (!re.ok()) {
    copy_error(re.error(), err, err_len);
    return -1;
  }
  std::string why;
  if (re.CheckRewriteString(re2::StringPiece(rewrite, rewrite_len), &why)) return 1;
  copy_error(why, err, err_len);
  return 0;
}

// 1 when the pattern matches somewhere in text (RE2::PartialMatch), 0 when not, -1 when invalid.
int edgegate_re2_partial_match(const char* pattern, size_t len, const char* text, size_t text_len) {
  RE2 re(re2::StringPiece(pattern, len), RE2::Quiet);
  if (!re.ok()) return -1;
  return RE2::PartialMatch(re2::StringPiece(text, text_len), re) ? 1 : 0;
}

}  // extern "C"
