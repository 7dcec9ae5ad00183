// Builds a two-op history with the installed faultline library and prints its pairing.
#include <cstdio>

#include <faultline/core/history.h>
#ifdef HAVE_FAULTLINE_CHECKER
#include <faultline/checker/result.h>
#endif

int main() {
  faultline::History h;
  faultline::Op inv;
  inv.process = 0;
  inv.f = "write";
  inv.value = 1;
  faultline::Op ok = inv;
  ok.type = faultline::OpType::Ok;
  h.add(inv);
  h.add(ok);
  h.pair();
  std::printf("paired=%lld\n", static_cast<long long>(h.completion(0)));
#ifdef HAVE_FAULTLINE_CHECKER
  std::printf("verdict=%s\n", std::string(faultline::to_string(faultline::combine(
                                  faultline::Verdict::Valid, faultline::Verdict::Valid))).c_str());
#endif
  return h.completion(0) == 1 ? 0 : 1;
}
