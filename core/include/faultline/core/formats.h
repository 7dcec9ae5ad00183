// History file formats: readers and writers for faultline's native JSON Lines, Jepsen EDN and
// the Jepsen console log (the etcd corpus).
//
// Readers stream: JSONL line by line (through simdjson), EDN one op map at a time (a file-wide
// vector is never materialised as a tree), console logs line by line; HistoryFileReader hands
// the ops over one at a time so a caller (faultline check) need not hold the History. Every syntax or shape error is a
// ParseError whose what() reads "file:line:col: what is wrong"; an unreadable file is a
// std::runtime_error naming the path and the OS reason.
//
// Accepted shapes:
//  - Jsonl      one JSON object per line (see op_to_json in op.h); blank lines are skipped.
//  - Edn        any sequence of top-level EDN forms, each either an op map (one map per line,
//               as Porcupine's kv files and Elle's example) or a vector/list of op maps (one
//               vector per file, as Knossos' data; `;` comments anywhere). Record literals such
//               as `#jepsen.history.Op{...}` read as their map.
//  - JepsenLog  Jepsen console lines `... jepsen.util - <process>\t:<type>\t:<f>\t<value EDN>`;
//               every other line (startup chatter, stack traces) is ignored. On a fail/info
//               completion whose value is a bare keyword (`:fail :read :timed-out`), the keyword
//               is the error: op.error = "timed-out" and op.value = null (2015 Jepsen clients
//               reported errors in the value slot). A line that ends after :f (no value
//               field) reads as value null.
//
// EDN → Op mapping: keywords and symbols become strings without the colon (`:read` → "read",
// `:jepsen/x` → "jepsen/x"); `:process :nemesis` → kNemesisProcess, an integer process → that
// id, no `:process` → kNoProcess; `:type`, `:f` (absent → ""), `:value`, `:key`, `:node`,
// `:error`, `:time` (→ time_ns), `:index` fill the Op fields; every other key goes into
// Op.extra. Values convert with edn_to_json (edn.h): vectors/lists → arrays, sets → arrays
// sorted by nlohmann::json's operator< (numbers numerically, strings lexicographically), maps →
// objects, nil → null, big integers → a JSON string of their digits, ratios → double, chars →
// one-character strings, #inst/#uuid → their string. Ops without :index get their position.
//
// Writers: write_history_jsonl writes op_to_json per line; write_history_edn writes one Jepsen
// style map per line ({:index 0, :time 5, :process 0, :type :invoke, :f :read, :value nil}).
// Both round-trip through the readers to equal ops.
#pragma once
#include <cstdio>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "faultline/core/history.h"
#include "faultline/core/op.h"

namespace faultline {

enum class HistoryFormat { Auto, Jsonl, Edn, JepsenLog };

// "auto", "jsonl", "edn", "jepsen-log".
std::string_view to_string(HistoryFormat f);
std::optional<HistoryFormat> history_format_from_string(std::string_view s);

// Guesses the format from the first bytes of a file (a few KiB is plenty): `{"` starts JSONL,
// `[`, `(` or `{` followed by anything else starts EDN, a line containing "jepsen.util - " (or
// a log level and "jepsen.") is a console log. Leading blank lines and `;` comments are skipped.
// Blank input (only whitespace/comments) is Jsonl (an empty history). Returns Auto when it
// cannot tell, and for a JSON array of ops (`[{"...`), which is neither format (the readers
// then say how to convert it).
HistoryFormat sniff_history_format(std::string_view head);

// Receives the ops of a streamed history, one at a time, in file order.
using OpSink = std::function<void(Op&&)>;

// Streams one history file without holding it: the constructor opens the file and settles its
// format (sniffing the head when Auto: ParseError "file:1:1: cannot tell ..." when it cannot
// tell; std::runtime_error naming the path when unreadable). read() hands every op to `sink`
// in file order — an op without an index gets its position, as History::add gives it — and
// returns how many ops it read; it holds one read chunk of the file at a time (a few MiB), never
// the file. A malformed op throws ParseError (file:line:col) after the ops before it were
// handed over. read() may be called once.
class HistoryFileReader {
 public:
  explicit HistoryFileReader(const std::string& path, HistoryFormat fmt = HistoryFormat::Auto);
  ~HistoryFileReader();
  HistoryFileReader(const HistoryFileReader&) = delete;
  HistoryFileReader& operator=(const HistoryFileReader&) = delete;

  HistoryFormat format() const { return format_; }  // never Auto
  int64_t read(const OpSink& sink);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  HistoryFormat format_ = HistoryFormat::Auto;
};

// The same for a text in memory (`name` is used in errors); `detected` as below.
int64_t read_history_string_each(std::string_view text, HistoryFormat fmt,
                                 const std::string& name, const OpSink& sink,
                                 HistoryFormat* detected = nullptr);

// Reads a whole history. With Auto the format is sniffed from the file's head; `detected`
// (if not null) receives the format actually used (never Auto). The history is not paired
// yet: call pair() (which throws HistoryError on orphan completions).
History read_history_file(const std::string& path, HistoryFormat fmt = HistoryFormat::Auto);
History read_history_file(const std::string& path, HistoryFormat fmt, HistoryFormat* detected);
History read_history_string(std::string_view text, HistoryFormat fmt,
                            const std::string& name = "<string>");
History read_history_string(std::string_view text, HistoryFormat fmt, const std::string& name,
                            HistoryFormat* detected);

void write_history_jsonl(const History& h, std::ostream& out);
void write_history_edn(const History& h, std::ostream& out);  // one map per line, Jepsen style

// Native history file, written while a test runs: each append() writes one JSON line and
// flushes it to the OS (and fsyncs when fsync_each), so a crash loses nothing already
// appended. The constructor creates the file or truncates an existing one. Errors (open,
// write, fsync) throw std::runtime_error naming the path.
class JsonlHistoryWriter {
 public:
  explicit JsonlHistoryWriter(const std::string& path, bool fsync_each = false);
  ~JsonlHistoryWriter();
  JsonlHistoryWriter(const JsonlHistoryWriter&) = delete;
  JsonlHistoryWriter& operator=(const JsonlHistoryWriter&) = delete;

  void append(const Op& op);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  bool fsync_each_ = false;
  std::string line_;  // reused buffer
};

}  // namespace faultline
