#include "faultline/sut/event_log.h"

#include <unistd.h>

#include <chrono>

namespace faultline::sut {

void EventLog::info(std::string_view msg, nlohmann::json fields) const {
  write("info", msg, std::move(fields));
}
void EventLog::warn(std::string_view msg, nlohmann::json fields) const {
  write("warn", msg, std::move(fields));
}
void EventLog::error(std::string_view msg, nlohmann::json fields) const {
  write("error", msg, std::move(fields));
}

void EventLog::write(std::string_view level, std::string_view msg, nlohmann::json fields) const {
  if (quiet_ && level == "info") return;
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  nlohmann::json line{{"ts_ms", now_ms}, {"level", level}, {"node", node_},
                      {epoch_name_, epoch_}, {"msg", msg}};
  if (fields.is_object())
    for (auto& [k, v] : fields.items()) line[k] = v;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  // One write(2) keeps lines whole even with several threads; stderr is unbuffered anyway.
  ssize_t rc = ::write(STDERR_FILENO, text.data(), text.size());
  (void)rc;  // nothing sensible to do if stderr is gone
}

}  // namespace faultline::sut
