// CandidateStore: the memory behind every SchedulingPolicy. Candidates live in fixed-size chunks
// of slots (no per-candidate heap block besides a long agenda id, no copy on growth), an
// open-addressing index maps agenda ids to slots, and customer ids are interned to dense indices.
// The ordering structures (order_tree.h) thread their links through the slots.
// Layout and measured sizes: docs/design/fair-queue.md. Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/time.h"
#include "core/sched/scheduling_policy.h"

namespace pop::sched {

using SlotId = uint32_t;
using CustomerIndex = uint32_t;
inline constexpr SlotId kNoSlot = UINT32_MAX;

// One waiting candidate. 72 bytes; the links belong to the one OrderTree the slot is in.
struct Slot {
  std::string agenda_id;
  Timestamp added;
  int64_t priority = 0;
  uint64_t sequence = 0;
  CustomerIndex customer = 0;
  SlotId left = kNoSlot;
  SlotId right = kNoSlot;
  uint32_t subtree_size = 0;
};

class CandidateStore {
 public:
  CandidateStore();
  CandidateStore(const CandidateStore&) = delete;
  CandidateStore& operator=(const CandidateStore&) = delete;

  // The index of `customer_id`, interning it on first sight. Indices are dense, in first-seen
  // order, and stable for the store's lifetime.
  CustomerIndex InternCustomer(std::string_view customer_id);
  // The index of a customer seen before, or nullopt.
  std::optional<CustomerIndex> FindCustomer(std::string_view customer_id) const;
  const std::string& CustomerName(CustomerIndex index) const { return customer_names_[index]; }
  size_t customer_count() const { return customer_names_.size(); }

  // Stores a candidate whose agenda id is not stored yet (checked). The slot's links are reset.
  SlotId Insert(Candidate candidate);
  // The slot holding `agenda_id`, or kNoSlot.
  SlotId Find(std::string_view agenda_id) const;
  // Frees the slot and returns its candidate. The slot must no longer be in any tree.
  Candidate Release(SlotId id);

  Slot& at(SlotId id) { return chunks_[id >> kChunkBits][id & kChunkMask]; }
  const Slot& at(SlotId id) const { return chunks_[id >> kChunkBits][id & kChunkMask]; }
  // Number of stored candidates.
  size_t size() const { return size_; }
  // The earliest `added` of the stored candidates; nullopt when there are none. O(slots).
  std::optional<Timestamp> OldestAdded() const;

 private:
  static constexpr uint32_t kChunkBits = 10;
  static constexpr uint32_t kChunkSize = 1U << kChunkBits;
  static constexpr uint32_t kChunkMask = kChunkSize - 1;
  static constexpr size_t kMinBuckets = 64;

  // An index bucket: slot + 1 (0 = empty) and 32 bits of the id's hash.
  struct Bucket {
    uint32_t slot_plus_one = 0;
    uint32_t hash = 0;
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  static uint32_t HashId(std::string_view agenda_id);
  SlotId AllocateSlot();
  void IndexInsert(SlotId id, uint32_t hash);
  void IndexErase(size_t bucket);
  void GrowIndex();
  void ResetWhenEmpty();

  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::vector<SlotId> free_slots_;
  uint32_t next_unused_slot_ = 0;
  size_t size_ = 0;
  std::vector<Bucket> buckets_;  // power-of-two size, load ≤ 1/2, linear probing

  std::vector<std::string> customer_names_;
  std::unordered_map<std::string, CustomerIndex, NameHash, std::equal_to<>> customer_index_;
};

}  // namespace pop::sched
