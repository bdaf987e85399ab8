// OrderTree: an order-statistic treap whose nodes are CandidateStore slots (the links and subtree
// sizes live in the slot), so keeping a candidate ordered costs no allocation. Gives the first
// element, insert and erase in O(log n) expected, and the rank of an element (how many come
// before it) in O(log n), which is what WaitReason positions need.
// Heap priorities are a fixed hash of the slot id: deterministic, and independent of the key
// order, so the expected depth is O(log n). See docs/design/fair-queue.md. Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/base/check.h"
#include "core/sched/candidate_store.h"

namespace pop::sched {

// Orders are three-way comparisons of slots returning <0, 0 or >0. (Plain comparisons of the
// fields: clang-tidy 14 misreads the `<=> ... != 0` idiom as a null pointer comparison.)
//
// Oldest ready time first, then arrival sequence.
struct FifoOrder {
  int operator()(const Slot& a, const Slot& b) const {
    if (a.added.millis() != b.added.millis()) return a.added.millis() < b.added.millis() ? -1 : 1;
    if (a.sequence != b.sequence) return a.sequence < b.sequence ? -1 : 1;
    return 0;
  }
};

// Highest priority first, then FIFO.
struct PriorityOrder {
  int operator()(const Slot& a, const Slot& b) const {
    if (a.priority != b.priority) return a.priority > b.priority ? -1 : 1;
    return FifoOrder()(a, b);
  }
};

// `Order` is a three-way comparison of slots; slots it finds equivalent are ordered by slot id,
// so the tree is a strict total order even if a caller repeats a sequence number.
// The store must outlive the tree; a slot is in at most one tree at a time.
template <typename Order>
class OrderTree {
 public:
  explicit OrderTree(CandidateStore* store) : store_(store) {}

  size_t size() const { return root_ == kNoSlot ? 0 : store_->at(root_).subtree_size; }
  bool empty() const { return root_ == kNoSlot; }

  // Adds a slot that is in no tree.
  void Insert(SlotId id) {
    Slot& slot = store_->at(id);
    slot.left = kNoSlot;
    slot.right = kNoSlot;
    slot.subtree_size = 1;
    root_ = InsertAt(root_, id);
  }

  // Removes a slot that is in this tree (checked).
  void Erase(SlotId id) { root_ = EraseAt(root_, id); }

  // The first slot in order, or kNoSlot.
  SlotId First() const {
    SlotId node = root_;
    if (node == kNoSlot) return kNoSlot;
    while (store_->at(node).left != kNoSlot) node = store_->at(node).left;
    return node;
  }

  // Removes and returns the first slot, or kNoSlot when empty.
  SlotId PopFirst() {
    const SlotId first = First();
    if (first != kNoSlot) Erase(first);
    return first;
  }

  // How many slots come before `id`, which must be in this tree.
  size_t Rank(SlotId id) const {
    size_t rank = 0;
    SlotId node = root_;
    while (node != id) {
      POP_CHECK(node != kNoSlot) << "slot " << id << " is not in the tree";
      const Slot& slot = store_->at(node);
      if (Before(id, node)) {
        node = slot.left;
      } else {
        rank += SizeOf(slot.left) + 1;
        node = slot.right;
      }
    }
    return rank + SizeOf(store_->at(id).left);
  }

  // How many slots satisfy `pred`, which must hold for a prefix of the order and fail after it.
  template <typename Pred>
  size_t CountPrefix(Pred pred) const {
    size_t count = 0;
    SlotId node = root_;
    while (node != kNoSlot) {
      const Slot& slot = store_->at(node);
      if (pred(slot)) {
        count += SizeOf(slot.left) + 1;
        node = slot.right;
      } else {
        node = slot.left;
      }
    }
    return count;
  }

 private:
  static uint32_t HeapPriority(SlotId id) {
    uint64_t z = (static_cast<uint64_t>(id) + 0x9E3779B97F4A7C15ULL) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 31)) * 0x94D049BB133111EBULL;
    return static_cast<uint32_t>(z >> 32);
  }
  bool HeapAbove(SlotId a, SlotId b) const {
    const uint32_t pa = HeapPriority(a);
    const uint32_t pb = HeapPriority(b);
    return pa != pb ? pa > pb : a < b;
  }
  bool Before(SlotId a, SlotId b) const {
    const int c = Order()(store_->at(a), store_->at(b));
    return c != 0 ? c < 0 : a < b;
  }
  size_t SizeOf(SlotId id) const { return id == kNoSlot ? 0 : store_->at(id).subtree_size; }
  void Update(SlotId id) {
    Slot& slot = store_->at(id);
    slot.subtree_size = static_cast<uint32_t>(SizeOf(slot.left) + SizeOf(slot.right) + 1);
  }

  SlotId InsertAt(SlotId node, SlotId id) {
    if (node == kNoSlot) return id;
    if (HeapAbove(id, node)) {
      Slot& slot = store_->at(id);
      Split(node, id, &slot.left, &slot.right);
      Update(id);
      return id;
    }
    Slot& slot = store_->at(node);
    if (Before(id, node)) {
      slot.left = InsertAt(slot.left, id);
    } else {
      slot.right = InsertAt(slot.right, id);
    }
    ++slot.subtree_size;
    return node;
  }

  // Splits the subtree at `node` into the slots before `id` and the slots after it.
  void Split(SlotId node, SlotId id, SlotId* before, SlotId* after) {
    if (node == kNoSlot) {
      *before = kNoSlot;
      *after = kNoSlot;
      return;
    }
    Slot& slot = store_->at(node);
    if (Before(node, id)) {
      Split(slot.right, id, &slot.right, after);
      *before = node;
    } else {
      Split(slot.left, id, before, &slot.left);
      *after = node;
    }
    Update(node);
  }

  SlotId EraseAt(SlotId node, SlotId id) {
    POP_CHECK(node != kNoSlot) << "slot " << id << " is not in the tree";
    Slot& slot = store_->at(node);
    if (node == id) return Merge(slot.left, slot.right);
    if (Before(id, node)) {
      slot.left = EraseAt(slot.left, id);
    } else {
      slot.right = EraseAt(slot.right, id);
    }
    --slot.subtree_size;
    return node;
  }

  // Joins two subtrees where every slot of `a` comes before every slot of `b`.
  SlotId Merge(SlotId a, SlotId b) {
    if (a == kNoSlot) return b;
    if (b == kNoSlot) return a;
    if (HeapAbove(a, b)) {
      Slot& slot = store_->at(a);
      slot.right = Merge(slot.right, b);
      Update(a);
      return a;
    }
    Slot& slot = store_->at(b);
    slot.left = Merge(a, slot.left);
    Update(b);
    return b;
  }

  CandidateStore* store_;
  SlotId root_ = kNoSlot;
};

}  // namespace pop::sched
