// Internal: one reader/writer per history format, behind formats.h's dispatch.
#pragma once
#include <string>

#include "faultline/core/history.h"
#include "input_source.h"

namespace faultline::detail {

// Each reader appends the ops it reads to `out`; `name` is the file name used in errors.
void read_jsonl_history(LineSource& in, const std::string& name, History& out);
void read_edn_history(ByteSource& in, History& out);
void read_jepsen_log_history(LineSource& in, const std::string& name, History& out);

// Appends one op as a Jepsen-style EDN map (no newline) to out.
void append_op_edn(const Op& op, std::string& out);

}  // namespace faultline::detail
