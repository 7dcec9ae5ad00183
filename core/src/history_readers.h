// Internal: one reader/writer per history format, behind formats.h's dispatch.
#pragma once
#include <cstdio>
#include <string>
#include <string_view>

#include "faultline/core/formats.h"
#include "input_source.h"

namespace faultline::detail {

// Where a reader puts the ops it reads, in file order: gives each op without an index its
// position (as History::add does) and hands it to the caller's OpSink.
class OpSinkAdapter {
 public:
  explicit OpSinkAdapter(const OpSink& sink) : sink_(sink) {}
  void add(Op&& op) {
    if (op.index < 0) op.index = count_;
    ++count_;
    sink_(std::move(op));
  }
  int64_t count() const { return count_; }

 private:
  const OpSink& sink_;
  int64_t count_ = 0;
};

// Each reader hands the ops it reads to `out`; `name` is the file name used in errors.
void read_edn_history(ByteSource& in, OpSinkAdapter& out);
void read_jepsen_log_history(LineSource& in, const std::string& name, OpSinkAdapter& out);

// JSON Lines through simdjson (history_jsonl_simd.cpp), from a file read in chunks or from a
// text. A line simdjson cannot take as an op (any error, or a number shape whose JSON meaning
// could differ) is re-read by parse_jsonl_line, which either accepts it or throws the
// file:line:col ParseError.
void read_jsonl_history(std::FILE* file, const std::string& name, OpSinkAdapter& out);
void read_jsonl_history(std::string_view text, const std::string& name, OpSinkAdapter& out);
// One JSONL line (not blank) through nlohmann's SAX parser: appends its op or throws ParseError.
void parse_jsonl_line(std::string_view line, const std::string& name, int64_t line_no,
                      OpSinkAdapter& out);

// Appends one op as a Jepsen-style EDN map (no newline) to out.
void append_op_edn(const Op& op, std::string& out);

}  // namespace faultline::detail
