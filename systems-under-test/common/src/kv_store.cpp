#include "faultline/sut/kv_store.h"

#include <utility>
#include <vector>

namespace faultline::sut {

Json KvStore::read(const std::string& key) const {
  auto it = data_.find(key);
  return it == data_.end() ? Json(nullptr) : it->second;
}

KvResult KvStore::apply(const Json& request) {
  const std::string& op = request.at("op").get_ref<const std::string&>();
  if (op == "txn") return apply_txn(request.at("ops"));
  if (op == "status") {  // valid on the wire, but answered by the node, never by the state machine
    KvResult r;
    r.ok = false;
    r.error = ErrorCode::BadRequest;
    r.message = "status is a node-local diagnostic; this daemon does not implement it";
    return r;
  }
  const std::string& key = request.at("key").get_ref<const std::string&>();
  KvResult result;
  if (op == "read") {
    result.value = read(key);
  } else if (op == "write") {
    data_[key] = request.at("value");
  } else if (op == "cas") {
    if (read(key) != request.at("expected")) {
      result.ok = false;
      result.error = ErrorCode::CasMismatch;
      result.message = "current value of " + key + " differs from expected";
    } else {
      data_[key] = request.at("value");
    }
  } else if (op == "append") {
    Json& slot = data_[key];
    if (!slot.is_array()) slot = Json::array();  // absent (null) or overwritten scalar
    slot.push_back(request.at("value"));
  } else {
    result.ok = false;
    result.error = ErrorCode::BadRequest;
    result.message = "unknown op " + op;
  }
  return result;
}

KvResult KvStore::apply_txn(const Json& ops) {
  // Atomicity: check every cas against the state the txn would see at that point (a txn may
  // write a key and then cas it), on a scratch overlay; commit the overlay only if all pass.
  std::map<std::string, Json> overlay;
  auto current = [&](const std::string& key) -> Json {
    auto it = overlay.find(key);
    return it != overlay.end() ? it->second : read(key);
  };
  Json results = Json::array();
  for (const Json& m : ops) {
    const std::string& op = m.at("op").get_ref<const std::string&>();
    const std::string& key = m.at("key").get_ref<const std::string&>();
    Json r{{"op", op}, {"key", key}};
    if (op == "read") {
      r["value"] = current(key);
    } else if (op == "write") {
      overlay[key] = m.at("value");
      r["value"] = m.at("value");
    } else if (op == "cas") {
      if (current(key) != m.at("expected")) {
        KvResult fail;
        fail.ok = false;
        fail.error = ErrorCode::CasMismatch;
        fail.message = "txn cas on " + key + " saw another value; txn not applied";
        return fail;
      }
      overlay[key] = m.at("value");
      r["expected"] = m.at("expected");
      r["value"] = m.at("value");
    } else {  // append
      Json list = current(key);
      if (!list.is_array()) list = Json::array();
      list.push_back(m.at("value"));
      overlay[key] = std::move(list);
      r["value"] = m.at("value");
    }
    results.push_back(std::move(r));
  }
  for (auto& [k, v] : overlay) data_[k] = std::move(v);
  KvResult ok;
  ok.value = std::move(results);
  return ok;
}

}  // namespace faultline::sut
