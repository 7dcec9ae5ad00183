// Store: where runs are kept (docs/ARCHITECTURE.md, "The store").
//   <root>/<test-name>/<YYYYmmddTHHMMSS>/   one run: test.json, history.jsonl, results.json,
//                                          schedule.jsonl, faultline.log, nodes/<node>/...
//   <root>/<test-name>/latest -> <YYYYmmddTHHMMSS>     (relative symlinks, replaced atomically)
//   <root>/latest -> <test-name>/<YYYYmmddTHHMMSS>
// Two runs of one test in the same second get "<time>-2", "<time>-3", ...
// Test names become one path component: '/' and other unsafe characters turn into '_'.
#pragma once
#include <string>

#include <faultline/core/op.h>

namespace faultline::runner {

std::string safe_test_name(const std::string& name);

// Creates a fresh run directory (UTC time of `now_s`, seconds since the epoch) and returns its
// path. Throws std::runtime_error naming the path on failure.
std::string create_run_dir(const std::string& root, const std::string& test_name, int64_t now_s);

// Points <root>/<test>/latest and <root>/latest at run_dir (which must be inside them).
void update_latest_links(const std::string& root, const std::string& test_name,
                         const std::string& run_dir);

// Resolves what a user passes to `check --store`: a run dir, a <test>/latest link, or a test
// dir (its latest). Throws std::runtime_error when it holds no test.json.
std::string resolve_run_dir(const std::string& path);

// Writes `j` (pretty) to path via a temporary file + rename.
void write_json_file(const std::string& path, const Json& j);
Json read_json_file(const std::string& path);

}  // namespace faultline::runner
