// The pacing of a pod handler's reports (pop_sdk/progress_reporter.h, spec §16 item 4) on a fake
// clock: the latest report at most every 5 s, a COMPLETE one at once and nothing after it, and up
// to 5 more attempts, 1 s apart, for a final report that could not be delivered.
#include "pop_sdk/progress_reporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fakes/fake_clock.h"

namespace pop::sdk {
namespace {

using ::testing::ElementsAre;

constexpr Timestamp kStart = Timestamp::FromMillis(1'600'000'000'000);

// The reporter's sends, with the fake time of each; fails the first `failures` of them (all when
// negative). Waiting for a send is waiting on another thread: bounded by a real-time limit that
// only a broken reporter reaches.
class RecordingSender {
 public:
  RecordingSender(pop::testing::FakeClock& clock, int failures)
      : clock_(clock), failures_(failures) {}

  ProgressReporter::SendFunction Function() {
    return [this](const std::string& progress, const std::optional<std::string>& result) {
      std::lock_guard<std::mutex> lock(mu_);
      sends_.push_back(progress + (result ? " + " + *result : ""));
      times_.push_back(clock_.Now() - kStart);
      sent_.notify_all();
      const bool fail = failures_ < 0 || static_cast<int>(sends_.size()) <= failures_;
      return fail ? std::optional<std::string>("HTTP 503") : std::nullopt;
    };
  }

  // Whether `count` sends happened within 10 s of real time.
  bool WaitForSends(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    return sent_.wait_for(lock, std::chrono::seconds(10), [&] { return sends_.size() >= count; });
  }
  std::vector<std::string> sends() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sends_;
  }
  std::vector<int64_t> seconds() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<int64_t> out;
    for (Duration time : times_) out.push_back(time.millis() / 1000);
    return out;
  }

 private:
  pop::testing::FakeClock& clock_;
  const int failures_;
  mutable std::mutex mu_;
  std::condition_variable sent_;
  std::vector<std::string> sends_;
  std::vector<Duration> times_;
};

class ProgressReporterTest : public ::testing::Test {
 protected:
  std::unique_ptr<ProgressReporter> Start(RecordingSender& sender) {
    return ProgressReporter::Start(
        sender.Function(), [this] { return clock_.Now(); },
        [this](std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Timestamp at) {
          clock_.WaitUntil(cv, lock, at);
        });
  }

  pop::testing::FakeClock clock_{kStart};
};

TEST_F(ProgressReporterTest, ManyReportsWithinFiveSecondsBecomeOneSendOfTheLatest) {
  RecordingSender sender(clock_, /*failures=*/0);
  std::unique_ptr<ProgressReporter> reporter = Start(sender);
  ASSERT_TRUE(reporter->Offer("p0", std::nullopt, false));
  ASSERT_TRUE(sender.WaitForSends(1));  // the first at once
  for (int i = 1; i <= 9; ++i) {
    clock_.Advance(Duration::Millis(500));
    ASSERT_TRUE(reporter->Offer("p" + std::to_string(i), std::nullopt, false));
  }
  clock_.Advance(Duration::Millis(500));  // 5 s after the first send
  ASSERT_TRUE(sender.WaitForSends(2));
  EXPECT_EQ(reporter->Close(), std::nullopt);
  EXPECT_THAT(sender.sends(), ElementsAre("p0", "p9"));
  EXPECT_THAT(sender.seconds(), ElementsAre(0, 5));
}

TEST_F(ProgressReporterTest, CompleteIsSentAtOnceAndLaterReportsAreIgnored) {
  RecordingSender sender(clock_, /*failures=*/0);
  std::unique_ptr<ProgressReporter> reporter = Start(sender);
  ASSERT_TRUE(reporter->Offer("p0", std::nullopt, false));
  ASSERT_TRUE(sender.WaitForSends(1));
  clock_.Advance(Duration::Seconds(1));
  ASSERT_TRUE(reporter->Offer("p1", std::nullopt, false));  // waits for the interval...
  ASSERT_TRUE(reporter->Offer("done", "{\"v\":1}", true));  // ...which COMPLETE does not
  ASSERT_TRUE(sender.WaitForSends(2));
  EXPECT_FALSE(reporter->Offer("p2", std::nullopt, false));
  EXPECT_FALSE(reporter->Offer("done again", std::nullopt, true));
  clock_.Advance(Duration::Seconds(10));
  EXPECT_EQ(reporter->Close(), std::nullopt);
  EXPECT_THAT(sender.sends(), ElementsAre("p0", "done + {\"v\":1}"));
  EXPECT_THAT(sender.seconds(), ElementsAre(0, 1));
}

TEST_F(ProgressReporterTest, AFinalReportThatFailsIsTriedFiveMoreTimesOneSecondApart) {
  RecordingSender sender(clock_, /*failures=*/-1);
  std::unique_ptr<ProgressReporter> reporter = Start(sender);
  ASSERT_TRUE(reporter->Offer("done", "{}", true));
  ASSERT_TRUE(sender.WaitForSends(1));
  std::future<std::optional<std::string>> closed =
      std::async(std::launch::async, [&] { return reporter->Close(); });
  for (size_t sends = 2; sends <= 6; ++sends) {
    clock_.Advance(Duration::Seconds(1));
    ASSERT_TRUE(sender.WaitForSends(sends));
  }
  EXPECT_EQ(closed.get(), "HTTP 503");
  EXPECT_EQ(sender.sends().size(), 6U);
  EXPECT_THAT(sender.seconds(), ElementsAre(0, 1, 2, 3, 4, 5));
  EXPECT_EQ(reporter->first_error(), "HTTP 503");
}

TEST_F(ProgressReporterTest, AFinalReportDeliveredOnARetryIsNotSentAgain) {
  RecordingSender sender(clock_, /*failures=*/2);
  std::unique_ptr<ProgressReporter> reporter = Start(sender);
  ASSERT_TRUE(reporter->Offer("done", std::nullopt, true));
  ASSERT_TRUE(sender.WaitForSends(1));
  std::future<std::optional<std::string>> closed =
      std::async(std::launch::async, [&] { return reporter->Close(); });
  clock_.Advance(Duration::Seconds(1));
  ASSERT_TRUE(sender.WaitForSends(2));
  clock_.Advance(Duration::Seconds(1));
  EXPECT_EQ(closed.get(), std::nullopt);
  EXPECT_THAT(sender.sends(), ElementsAre("done", "done", "done"));
}

TEST_F(ProgressReporterTest, CloseFlushesTheLatestReportAtOnce) {
  RecordingSender sender(clock_, /*failures=*/0);
  std::unique_ptr<ProgressReporter> reporter = Start(sender);
  ASSERT_TRUE(reporter->Offer("p0", std::nullopt, false));
  ASSERT_TRUE(sender.WaitForSends(1));
  ASSERT_TRUE(reporter->Offer("p1", std::nullopt, false));  // not due for 5 s
  EXPECT_EQ(reporter->Close(), std::nullopt);
  EXPECT_THAT(sender.sends(), ElementsAre("p0", "p1"));
  EXPECT_THAT(sender.seconds(), ElementsAre(0, 0));
  EXPECT_FALSE(reporter->Offer("p2", std::nullopt, false));
}

}  // namespace
}  // namespace pop::sdk
