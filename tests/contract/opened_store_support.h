// A store contract fixture over every Store implementation: the parameter's store opened on a
// fresh directory, and a write that must succeed.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <utility>

#include "contract/store_factories_support.h"
#include "core/base/result.h"
#include "ports/store.h"

namespace pop::testing {

class OpenedStoreTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Store>> opened = GetParam().open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  void Write(const std::function<Status(StoreWriter&)>& fn) {
    Status written = store_->Write(fn);
    ASSERT_TRUE(written.ok()) << written.message();
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace pop::testing
