// libFuzzer target: the Jepsen EDN reader (see fuzz_reader.h for the invariants checked).
#include "fuzz_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return faultline::fuzz::read_one(data, size, faultline::HistoryFormat::Edn);
}
