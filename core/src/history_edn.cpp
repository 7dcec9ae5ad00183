// Jepsen EDN histories: reader (streams a file-wide vector one op map at a time) and writer.
#include <stdexcept>

#include "edn_parser.h"
#include "faultline/core/edn.h"
#include "faultline/core/error.h"
#include "faultline/core/formats.h"
#include "history_readers.h"

namespace faultline {
namespace detail {

namespace {
bool is_name(const EdnValue& v) {
  return v.kind == EdnKind::Keyword || v.kind == EdnKind::String || v.kind == EdnKind::Symbol;
}

[[noreturn]] void bad_field(const EdnParser& p, const EdnValue& v, const std::string& what) {
  p.fail(v.line, v.col, what + ", found " + std::string(to_string(v.kind)) + " " +
                            to_edn_string(v));
}
}  // namespace

// Maps one EDN op map to an Op (see formats.h for the mapping).
Op edn_map_to_op(const EdnParser& p, const EdnValue& m) {
  if (m.kind != EdnKind::Map) {
    p.fail(m.line, m.col,
           "expected an op map {:type ..., :f ..., ...}, found a " + std::string(to_string(m.kind)));
  }
  Op op;
  bool have_type = false;
  for (size_t i = 0; i + 1 < m.items.size(); i += 2) {
    const EdnValue& k = m.items[i];
    const EdnValue& v = m.items[i + 1];
    if (k.kind != EdnKind::Keyword && k.kind != EdnKind::String) {
      if (!op.extra.is_object()) op.extra = Json::object();
      op.extra[to_edn_string(k)] = edn_to_json(v);
      continue;
    }
    const std::string& name = k.text;
    if (name == "type") {
      const auto t = is_name(v) ? op_type_from_string(v.text) : std::nullopt;
      if (!t) bad_field(p, v, ":type must be :invoke, :ok, :fail or :info");
      op.type = *t;
      have_type = true;
    } else if (name == "f") {
      if (is_name(v)) {
        op.f = v.text;
      } else if (v.kind != EdnKind::Nil) {
        op.f = to_edn_string(v);
      }
    } else if (name == "process") {
      if (v.kind == EdnKind::Int && v.integer >= 0) {
        op.process = v.integer;
      } else if (is_name(v) && v.text == "nemesis") {
        op.process = kNemesisProcess;
      } else if (v.kind != EdnKind::Nil) {
        bad_field(p, v, ":process must be a non-negative integer or :nemesis");
      }
    } else if (name == "value") {
      op.value = edn_to_json(v);
    } else if (name == "key") {
      op.key = edn_to_json(v);
    } else if (name == "error") {
      op.error = edn_to_json(v);
    } else if (name == "time") {
      if (v.kind == EdnKind::Int) {
        op.time_ns = v.integer;
      } else if (v.kind == EdnKind::Float) {
        op.time_ns = static_cast<int64_t>(v.number);
      } else if (v.kind != EdnKind::Nil) {
        bad_field(p, v, ":time must be an integer (nanoseconds)");
      }
    } else if (name == "index") {
      if (v.kind != EdnKind::Int || v.integer < 0) {
        bad_field(p, v, ":index must be a non-negative integer");
      }
      op.index = v.integer;
    } else if (name == "node") {
      if (is_name(v)) {
        op.node = v.text;
      } else if (v.kind != EdnKind::Nil) {
        op.node = to_edn_string(v);
      }
    } else {
      if (!op.extra.is_object()) op.extra = Json::object();
      op.extra[name] = edn_to_json(v);
    }
  }
  if (!have_type) p.fail(m.line, m.col, "op map has no :type");
  return op;
}

void read_edn_history(ByteSource& in, OpSinkAdapter& out) {
  EdnParser p(in);
  EdnValue form;
  for (;;) {
    const int c = p.skip_whitespace();
    if (c == ByteSource::kEof) return;
    if (c == '[' || c == '(') {
      // A file-wide collection of ops: stream its elements instead of building the tree.
      const int64_t line = in.line(), col = in.col();
      const EdnKind kind = c == '[' ? EdnKind::Vector : EdnKind::List;
      const char close = c == '[' ? ']' : ')';
      in.get();
      for (;;) {
        p.enter_collection(kind, line, col);
        const EdnParser::Next n = p.next(form, close);
        if (n == EdnParser::Next::Closed) break;
        if (n == EdnParser::Next::End) {
          const SourcePos end = in.pos();
          p.fail(line, col,
                 std::string("unterminated ") + std::string(to_string(kind)) + ": '" + static_cast<char>(c) +
                     "' is never closed (input ends at " + std::to_string(end.line) + ":" +
                     std::to_string(end.col) + ")");
        }
        out.add(edn_map_to_op(p, form));
      }
      continue;
    }
    if (p.next(form) == EdnParser::Next::End) return;  // only #_ discards were left
    if (form.kind == EdnKind::Vector || form.kind == EdnKind::List) {
      for (const EdnValue& item : form.items) out.add(edn_map_to_op(p, item));
    } else {
      out.add(edn_map_to_op(p, form));
    }
  }
}

namespace {
// True when `v` has the shape of a transaction: an array of micro-ops [f, ...] whose f are plain
// keyword names ("r", "append", "w", "read"...).
bool is_txn_value(const Json& v) {
  if (!v.is_array() || v.empty()) return false;
  for (const Json& m : v) {
    if (!m.is_array() || m.empty() || !m[0].is_string() ||
        !is_plain_keyword_name(m[0].get_ref<const std::string&>())) {
      return false;
    }
  }
  return true;
}
}  // namespace

// Values are JSON; Jepsen/Elle write a transaction's micro-op names as keywords
// ([[:append 253 1] [:r 253 nil]]), so those are written as keywords (the reader maps keywords
// back to strings, so the round-trip is exact). Everything else keeps its JSON type.
void append_value_edn(const Json& value, std::string& out) {
  if (!is_txn_value(value)) {
    append_json_as_edn(value, out);
    return;
  }
  out += '[';
  for (size_t i = 0; i < value.size(); ++i) {
    if (i > 0) out += ' ';
    const Json& m = value[i];
    out += "[:";
    out += m[0].get_ref<const std::string&>();
    for (size_t j = 1; j < m.size(); ++j) {
      out += ' ';
      append_json_as_edn(m[j], out);
    }
    out += ']';
  }
  out += ']';
}

void append_op_edn(const Op& op, std::string& out) {
  out += "{:type :";
  out += to_string(op.type);
  if (!op.f.empty()) {
    out += ", :f ";
    if (is_plain_keyword_name(op.f)) {
      out += ':';
      out += op.f;
    } else {
      append_json_as_edn(Json(op.f), out);
    }
  }
  out += ", :value ";
  append_value_edn(op.value, out);
  if (!op.key.is_null()) {
    out += ", :key ";
    append_json_as_edn(op.key, out);
  }
  if (op.process == kNemesisProcess) {
    out += ", :process :nemesis";
  } else if (op.process != kNoProcess) {
    out += ", :process ";
    out += std::to_string(op.process);
  }
  if (op.time_ns >= 0) {
    out += ", :time ";
    out += std::to_string(op.time_ns);
  }
  if (op.index >= 0) {
    out += ", :index ";
    out += std::to_string(op.index);
  }
  if (op.node) {
    out += ", :node ";
    append_json_as_edn(Json(*op.node), out);
  }
  if (!op.error.is_null()) {
    out += ", :error ";
    append_json_as_edn(op.error, out);
  }
  if (op.extra.is_object()) {
    for (auto it = op.extra.begin(); it != op.extra.end(); ++it) {
      out += ", ";
      if (is_plain_keyword_name(it.key())) {
        out += ':';
        out += it.key();
      } else {
        append_json_as_edn(Json(it.key()), out);
      }
      out += ' ';
      append_json_as_edn(it.value(), out);
    }
  }
  out += '}';
}

}  // namespace detail

void write_history_edn(const History& h, std::ostream& out) {
  std::string line;
  for (const Op& op : h.ops()) {
    line.clear();
    detail::append_op_edn(op, line);
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
}

}  // namespace faultline
