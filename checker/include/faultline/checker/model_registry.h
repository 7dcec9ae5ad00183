// Registry of the models the checkers know by name (`faultline check --model NAME`,
// `--list-models`). The table lives in checker/src/model_registry.cpp: adding a model is one
// factory line there (plus the model's own file). Names are stable command-line identifiers:
// register, cas-register, multi-register, kv, counter, set, fifo-queue, unordered-queue, mutex.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/checker/model.h"

namespace faultline::checker {

struct ModelInfo {
  std::string name;
  std::string description;   // one line: ops understood and their value shapes
};

// All registered models, sorted by name.
std::vector<ModelInfo> list_models();

// A new instance of the model called `name`, or nullptr if there is none.
std::unique_ptr<Model> make_model(std::string_view name);

}  // namespace faultline::checker
