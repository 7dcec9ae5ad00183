// The table of named models. Adding a model: write checker/src/models/<name>_model.cpp with a
// factory `std::unique_ptr<Model> make_<name>_model()`, declare it below and add one row.
#include "faultline/checker/model_registry.h"

#include <algorithm>

namespace faultline::checker {

// Factories, one per model file.
std::unique_ptr<Model> make_register_model();
std::unique_ptr<Model> make_cas_register_model();

namespace {

struct ModelEntry {
  const char* name;
  const char* description;
  std::unique_ptr<Model> (*make)();
};

const ModelEntry kModels[] = {
    {"register", "read/write register, starts null (f read|write)", &make_register_model},
    {"cas-register", "register with compare-and-set (f read|write|cas [from to]), starts null",
     &make_cas_register_model},
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
