#include "core/sched/candidate_store.h"

#include <utility>

#include "core/base/check.h"

namespace pop::sched {

CandidateStore::CandidateStore() : buckets_(kMinBuckets) {}

CustomerIndex CandidateStore::InternCustomer(std::string_view customer_id) {
  auto it = customer_index_.find(customer_id);
  if (it != customer_index_.end()) return it->second;
  const auto index = static_cast<CustomerIndex>(customer_names_.size());
  customer_names_.emplace_back(customer_id);
  customer_index_.emplace(std::string(customer_id), index);
  return index;
}

std::optional<CustomerIndex> CandidateStore::FindCustomer(std::string_view customer_id) const {
  auto it = customer_index_.find(customer_id);
  if (it == customer_index_.end()) return std::nullopt;
  return it->second;
}

uint32_t CandidateStore::HashId(std::string_view agenda_id) {
  const uint64_t h = std::hash<std::string_view>{}(agenda_id);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

SlotId CandidateStore::AllocateSlot() {
  if (!free_slots_.empty()) {
    const SlotId id = free_slots_.back();
    free_slots_.pop_back();
    return id;
  }
  POP_CHECK(next_unused_slot_ != kNoSlot) << "more than 2^32 - 1 waiting candidates";
  if ((next_unused_slot_ >> kChunkBits) == chunks_.size()) {
    chunks_.push_back(std::make_unique<Slot[]>(kChunkSize));
  }
  return next_unused_slot_++;
}

SlotId CandidateStore::Insert(Candidate candidate) {
  POP_CHECK(Find(candidate.agenda_id) == kNoSlot) << "duplicate agenda id " << candidate.agenda_id;
  const CustomerIndex customer = InternCustomer(candidate.customer_id);
  const SlotId id = AllocateSlot();
  Slot& slot = at(id);
  slot.agenda_id = std::move(candidate.agenda_id);
  slot.added = candidate.added;
  slot.priority = candidate.priority;
  slot.sequence = candidate.sequence;
  slot.customer = customer;
  slot.left = kNoSlot;
  slot.right = kNoSlot;
  slot.subtree_size = 1;
  if ((size_ + 1) * 2 > buckets_.size()) GrowIndex();
  IndexInsert(id, HashId(slot.agenda_id));
  ++size_;
  return id;
}

SlotId CandidateStore::Find(std::string_view agenda_id) const {
  const uint32_t hash = HashId(agenda_id);
  const size_t mask = buckets_.size() - 1;
  for (size_t b = hash & mask; buckets_[b].slot_plus_one != 0; b = (b + 1) & mask) {
    const Bucket& bucket = buckets_[b];
    if (bucket.hash == hash && at(bucket.slot_plus_one - 1).agenda_id == agenda_id) {
      return bucket.slot_plus_one - 1;
    }
  }
  return kNoSlot;
}

std::optional<Timestamp> CandidateStore::OldestAdded() const {
  std::optional<Timestamp> oldest;
  for (SlotId id = 0; id < next_unused_slot_; ++id) {
    const Slot& slot = at(id);
    if (slot.subtree_size == 0) continue;  // free: Release() zeroes it, Insert() sets 1
    if (!oldest || slot.added < *oldest) oldest = slot.added;
  }
  return oldest;
}

Candidate CandidateStore::Release(SlotId id) {
  Slot& slot = at(id);
  const uint32_t hash = HashId(slot.agenda_id);
  const size_t mask = buckets_.size() - 1;
  size_t b = hash & mask;
  while (buckets_[b].slot_plus_one != id + 1) {
    POP_CHECK(buckets_[b].slot_plus_one != 0) << "releasing a slot that is not indexed";
    b = (b + 1) & mask;
  }
  IndexErase(b);
  Candidate candidate{std::move(slot.agenda_id), customer_names_[slot.customer], slot.added,
                      slot.priority, slot.sequence};
  slot.agenda_id = std::string();  // gives a long id's heap block back now, not at reuse
  slot.subtree_size = 0;
  free_slots_.push_back(id);
  --size_;
  ResetWhenEmpty();
  return candidate;
}

void CandidateStore::IndexInsert(SlotId id, uint32_t hash) {
  const size_t mask = buckets_.size() - 1;
  size_t b = hash & mask;
  while (buckets_[b].slot_plus_one != 0) b = (b + 1) & mask;
  buckets_[b] = Bucket{id + 1, hash};
}

// Backward-shift deletion: linear probing stays tombstone-free, so lookups never slow down with
// churn. An entry moves into the hole unless its home bucket lies cyclically in (hole, entry].
void CandidateStore::IndexErase(size_t bucket) {
  const size_t mask = buckets_.size() - 1;
  size_t hole = bucket;
  for (size_t next = (hole + 1) & mask; buckets_[next].slot_plus_one != 0;
       next = (next + 1) & mask) {
    const size_t home = buckets_[next].hash & mask;
    const bool home_in_range =
        hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (home_in_range) continue;
    buckets_[hole] = buckets_[next];
    hole = next;
  }
  buckets_[hole] = Bucket{};
}

void CandidateStore::GrowIndex() {
  std::vector<Bucket> old = std::move(buckets_);
  buckets_.assign(old.size() * 2, Bucket{});
  for (const Bucket& bucket : old) {
    if (bucket.slot_plus_one != 0) IndexInsert(bucket.slot_plus_one - 1, bucket.hash);
  }
}

// A drained policy gives its high-water memory back (all but the first chunk), so an insight
// that once held a million waiting Agendas does not keep their slots forever.
void CandidateStore::ResetWhenEmpty() {
  if (size_ != 0 || chunks_.size() <= 1) return;
  chunks_.resize(1);
  free_slots_.clear();
  free_slots_.shrink_to_fit();
  next_unused_slot_ = 0;
  buckets_.assign(kMinBuckets, Bucket{});
  buckets_.shrink_to_fit();
}

}  // namespace pop::sched
