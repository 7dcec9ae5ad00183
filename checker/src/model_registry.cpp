// The table of named models. Adding a model: write checker/src/models/<name>_model.cpp with a
// factory `std::unique_ptr<Model> make_<name>_model()`, declare it below and add one row.
#include "faultline/checker/model_registry.h"

#include <algorithm>

namespace faultline::checker {

// Factories, one per model file.
std::unique_ptr<Model> make_counter_model();
std::unique_ptr<Model> make_set_model();
std::unique_ptr<Model> make_fifo_queue_model();
std::unique_ptr<Model> make_unordered_queue_model();
std::unique_ptr<Model> make_mutex_model();
std::unique_ptr<Model> make_register_model();
std::unique_ptr<Model> make_cas_register_model();
std::unique_ptr<Model> make_multi_register_model();
std::unique_ptr<Model> make_kv_model();

namespace {

struct ModelEntry {
  const char* name;
  const char* description;
  std::unique_ptr<Model> (*make)();
};

const ModelEntry kModels[] = {
    {"counter", "integer counter from 0 (f add d | read n)", &make_counter_model},
    {"set", "grow-only set (f add x | read [x...], whole set)", &make_set_model},
    {"fifo-queue", "FIFO queue (f enqueue x | dequeue x; ok null dequeue = saw empty)",
     &make_fifo_queue_model},
    {"unordered-queue", "multiset queue (f enqueue x | dequeue x; ok null dequeue = saw empty)",
     &make_unordered_queue_model},
    {"mutex", "one lock, free at start (f acquire | release)", &make_mutex_model},
    {"register", "read/write register, starts null (f read|write)", &make_register_model},
    {"cas-register", "register with compare-and-set (f read|write|cas [from to]), starts null",
     &make_cas_register_model},
    {"multi-register",
     "registers updated by atomic txns (f txn [[read k v] [write k v] ...]), not split by key",
     &make_multi_register_model},
    {"kv", "key-value store split by op key (f get|put|append|cas), keys start absent (\"\")",
     &make_kv_model},
};

}  // namespace

std::vector<ModelInfo> list_models() {
  std::vector<ModelInfo> out;
  for (const auto& e : kModels) out.push_back({e.name, e.description});
  std::sort(out.begin(), out.end(),
            [](const ModelInfo& a, const ModelInfo& b) { return a.name < b.name; });
  return out;
}

std::unique_ptr<Model> make_model(std::string_view name) {
  for (const auto& e : kModels) {
    if (name == e.name) return e.make();
  }
  return nullptr;
}

}  // namespace faultline::checker
