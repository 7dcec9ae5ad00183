// Jepsen EDN histories (reader arrives with the EDN reader; see edn.h).
#include "faultline/core/error.h"
#include "faultline/core/formats.h"
#include "history_readers.h"

namespace faultline::detail {
void read_edn_history(ByteSource& in, History&) {
  throw ParseError(in.pos(), "the EDN history reader is not built yet");
}
void read_jepsen_log_history(LineSource&, const std::string& name, History&) {
  throw ParseError(SourcePos{name, 1, 1}, "the Jepsen console log reader is not built yet");
}
}  // namespace faultline::detail

namespace faultline {
void write_history_edn(const History&, std::ostream&) {
  throw std::logic_error("write_history_edn is not built yet");
}
}  // namespace faultline
