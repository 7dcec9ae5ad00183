// Internal: the memo table of the linearizability / sequential searches (Lowe's memoisation):
// a set of (linearized-op bitset, state handle) configurations already explored.
//
// Open addressing over dense entry ids; each entry stores its hash, its state and a copy of its
// bitset in one arena, so an insert in steady state does not allocate (only geometric growth).
// Every byte it holds is charged to a MemoryBudget shared by all partitions; an insert that
// would exceed it returns OverBudget instead of growing (the search then ends as `unknown`).
#pragma once
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "faultline/checker/model.h"
#include "faultline/core/assert.h"

namespace faultline::checker::detail {

struct MemoryBudget {
  std::atomic<uint64_t> used_bytes{0};
  uint64_t limit_bytes = 0;
  // Charges `bytes`; false (and nothing charged) if that would pass the limit.
  bool charge(uint64_t bytes) {
    uint64_t cur = used_bytes.load(std::memory_order_relaxed);
    do {
      if (cur + bytes > limit_bytes) return false;
    } while (!used_bytes.compare_exchange_weak(cur, cur + bytes, std::memory_order_relaxed));
    return true;
  }
  void release(uint64_t bytes) { used_bytes.fetch_sub(bytes, std::memory_order_relaxed); }
};

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Fixed-size bitset of linearized ops with an incremental (Zobrist) hash.
class OpBitset {
 public:
  explicit OpBitset(size_t n) : words_((n + 63) / 64, 0) {}
  void flip(size_t op) {
    words_[op >> 6] ^= 1ull << (op & 63);
    hash_ ^= mix64(op + 0x9E3779B97F4A7C15ull);
  }
  bool test(size_t op) const { return (words_[op >> 6] >> (op & 63)) & 1; }
  uint64_t hash() const { return hash_; }
  const uint64_t* words() const { return words_.data(); }
  size_t word_count() const { return words_.size(); }

 private:
  std::vector<uint64_t> words_;
  uint64_t hash_ = 0;
};

class MemoTable {
 public:
  enum class Insert { New, Present, OverBudget };

  MemoTable(size_t words_per_set, MemoryBudget& budget) : words_(words_per_set), budget_(budget) {}
  ~MemoTable() { budget_.release(charged_); }
  MemoTable(const MemoTable&) = delete;
  MemoTable& operator=(const MemoTable&) = delete;

  Insert insert(const OpBitset& bits, State state) {
    const uint64_t h = mix64(bits.hash() ^ mix64(static_cast<uint64_t>(state) * 0x2545F4914F6CDD1Dull));
    if ((count_ + 1) * 4 > slots_.size() * 3 || count_ == capacity_) {
      if (!grow()) return Insert::OverBudget;
    }
    const size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i] != 0) {
      const size_t e = slots_[i] - 1;
      if (hashes_[e] == h && states_[e] == state &&
          std::memcmp(arena_.data() + e * words_, bits.words(), words_ * sizeof(uint64_t)) == 0) {
        return Insert::Present;
      }
      i = (i + 1) & mask;
    }
    slots_[i] = static_cast<uint32_t>(count_ + 1);
    hashes_[count_] = h;
    states_[count_] = state;
    std::memcpy(arena_.data() + count_ * words_, bits.words(), words_ * sizeof(uint64_t));
    ++count_;
    return Insert::New;
  }

  size_t size() const { return count_; }
  uint64_t bytes() const { return charged_; }

 private:
  bool grow() {
    const size_t new_capacity = capacity_ == 0 ? 1024 : capacity_ * 2;
    FL_ASSERT(new_capacity < (1ull << 31));
    size_t new_slots = slots_.empty() ? 2048 : slots_.size();
    while (new_capacity * 4 > new_slots * 3) new_slots *= 2;
    const uint64_t new_bytes = new_slots * sizeof(uint32_t) +
                               new_capacity * (sizeof(uint64_t) * (2 + words_));
    if (new_bytes > charged_ && !budget_.charge(new_bytes - charged_)) return false;
    hashes_.resize(new_capacity);
    states_.resize(new_capacity);
    arena_.resize(new_capacity * words_);
    if (new_slots != slots_.size()) {
      slots_.assign(new_slots, 0);
      const size_t mask = new_slots - 1;
      for (size_t e = 0; e < count_; ++e) {
        size_t i = hashes_[e] & mask;
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = static_cast<uint32_t>(e + 1);
      }
    }
    capacity_ = new_capacity;
    if (new_bytes > charged_) charged_ = new_bytes;
    return true;
  }

  size_t words_;
  MemoryBudget& budget_;
  uint64_t charged_ = 0;
  size_t count_ = 0;
  size_t capacity_ = 0;
  std::vector<uint32_t> slots_;
  std::vector<uint64_t> hashes_;
  std::vector<State> states_;
  std::vector<uint64_t> arena_;
};

}  // namespace faultline::checker::detail
