// Shared model helpers: value interning, state tables, the per-key wrapper.
#include "faultline/checker/model.h"

#include <bit>
#include <cstring>

#include "faultline/core/assert.h"

namespace faultline::checker {

ValueInterner::ValueInterner() {
  values_.emplace_back(nullptr);
  others_.emplace("null", kNull);  // null is id 0
}

int64_t ValueInterner::intern(const Json& v) {
  if (v.is_number_integer()) {
    const int64_t x = v.get<int64_t>();
    auto [it, fresh] = ints_.try_emplace(x, static_cast<int64_t>(values_.size()));
    if (fresh) values_.push_back(v);
    return it->second;
  }
  if (v.is_string()) {
    auto [it, fresh] = strings_.try_emplace(v.get_ref<const std::string&>(),
                                            static_cast<int64_t>(values_.size()));
    if (fresh) values_.push_back(v);
    return it->second;
  }
  auto [it, fresh] = others_.try_emplace(v.dump(), static_cast<int64_t>(values_.size()));
  if (fresh) values_.push_back(v);
  return it->second;
}

int64_t ValueInterner::find(const Json& v) const {
  if (v.is_number_integer()) {
    auto it = ints_.find(v.get<int64_t>());
    return it == ints_.end() ? -1 : it->second;
  }
  if (v.is_string()) {
    auto it = strings_.find(v.get_ref<const std::string&>());
    return it == strings_.end() ? -1 : it->second;
  }
  auto it = others_.find(v.dump());
  return it == others_.end() ? -1 : it->second;
}

namespace {
uint64_t hash_words(const int64_t* w, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<uint64_t>(w[i]) + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xFF51AFD7ED558CCDull;
  }
  return h ^ (h >> 33);
}
}  // namespace

void StateTable::grow() {
  const size_t cap = slots_.empty() ? 64 : slots_.size() * 2;
  slots_.assign(cap, 0);
  const size_t mask = cap - 1;
  for (size_t s = 0; s < hashes_.size(); ++s) {
    size_t i = hashes_[s] & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = static_cast<int64_t>(s) + 1;
  }
}

State StateTable::intern(const int64_t* words, size_t n) {
  if ((hashes_.size() + 1) * 2 > slots_.size()) grow();
  const uint64_t h = hash_words(words, n);
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (slots_[i] != 0) {
    const State s = slots_[i] - 1;
    if (hashes_[static_cast<size_t>(s)] == h && size(s) == n &&
        (n == 0 || std::memcmp(data(s), words, n * sizeof(int64_t)) == 0)) {
      return s;
    }
    i = (i + 1) & mask;
  }
  const State s = static_cast<State>(hashes_.size());
  words_.insert(words_.end(), words, words + n);
  offsets_.push_back(static_cast<int64_t>(words_.size()));
  hashes_.push_back(h);
  slots_[i] = s + 1;
  return s;
}

std::string_view bare_name(std::string_view f) {
  if (!f.empty() && f.front() == ':') f.remove_prefix(1);
  return f;
}

std::string_view bare_json_name(const Json& v) {
  if (!v.is_string()) return {};
  return bare_name(std::string_view(v.get_ref<const std::string&>()));
}

namespace {

class PerKeyModel final : public Model {
 public:
  explicit PerKeyModel(std::unique_ptr<Model> inner) : inner_(std::move(inner)) {
    FL_ASSERT(inner_ != nullptr);
  }
  std::string_view name() const override { return inner_->name(); }
  Json partition(const Op& invoke) const override { return invoke.key; }
  std::optional<CompiledOp> compile(const Op& invoke, const Op* ok_completion,
                                    ValueInterner& values) const override {
    return inner_->compile(invoke, ok_completion, values);
  }
  std::unique_ptr<StateMachine> machine(const ValueInterner& values) const override {
    return inner_->machine(values);
  }

 private:
  std::unique_ptr<Model> inner_;
};

}  // namespace

std::unique_ptr<Model> per_key(std::unique_ptr<Model> inner) {
  return std::make_unique<PerKeyModel>(std::move(inner));
}

}  // namespace faultline::checker
