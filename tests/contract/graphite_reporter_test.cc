// GraphiteReporter against a real TCP listener standing in for carbon's line receiver (the real
// carbon-cache is in tests/e2e/metrics_test.cc), driven by a fake clock: what one push sends,
// that the sender thread pushes once per interval of the fake clock, and that lines are dropped
// and counted (never queued without bound) while nothing listens, with a backoff between
// connection attempts.
#include "adapters/graphite/graphite_reporter.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>

#include "adapters/graphite/graphite_lines.h"
#include "app/metrics_registry.h"
#include "core/metrics/catalogue.h"
#include "fakes/fake_clock.h"

namespace pop {
namespace {

// A listening socket on 127.0.0.1 and a free port; reads what one client sends.
class LineListener {
 public:
  LineListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 4);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~LineListener() {
    if (client_ >= 0) ::close(client_);
    ::close(fd_);
  }
  int port() const { return port_; }

  // What arrives until `lines` newlines have been read, or 10 s without data pass.
  std::string Read(size_t lines) {
    std::string text;
    while (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) < lines) {
      if (client_ < 0) {
        pollfd polled{fd_, POLLIN, 0};
        if (::poll(&polled, 1, 10000) != 1) break;
        client_ = ::accept(fd_, nullptr, nullptr);
      }
      pollfd polled{client_, POLLIN, 0};
      if (::poll(&polled, 1, 10000) != 1) break;
      char buffer[4096];
      const ssize_t got = ::read(client_, buffer, sizeof buffer);
      if (got <= 0) break;
      text.append(buffer, static_cast<size_t>(got));
    }
    return text;
  }

 private:
  int fd_ = -1;
  int client_ = -1;
  int port_ = 0;
};

// A port nothing listens on: bound and closed again at once.
int ClosedPort() {
  LineListener listener;
  return listener.port();
}

GraphiteOptions Options(int port) {
  GraphiteOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.prefix = "pop.test";
  options.interval = Duration::Seconds(10);
  return options;
}

TEST(GraphiteLinesTest, OneLinePerNameWithTheOriginalsNamesAndTimersInMilliseconds) {
  app::MetricsRegistry registry;
  registry.Add(metrics::kOperations, {"sample", "failed"}, 2);
  registry.Observe(metrics::kOperationDuration, {"sample"}, 0.5);
  registry.Observe(metrics::kOperationDuration, {"sample"}, 1.5);
  registry.Count("maintenance.reaper.agendas", 4);
  const std::vector<std::string> lines = GraphiteLines(registry.Collect(), "pop", 1700000000);
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "pop.maintenance.reaper.agendas 4 1700000000\n",
                       "pop.op.sample.duration.count 2 1700000000\n",
                       "pop.op.sample.duration.mean 1000 1700000000\n",
                       "pop.op.sample.duration.sum 2000 1700000000\n",
                       "pop.op.sample.failed 2 1700000000\n",
                   }));
}

TEST(GraphiteLinesTest, SeriesWithOneGraphiteNameAreSummed) {
  app::MetricsRegistry registry;
  registry.Observe(metrics::kAgendaDuration, {"succeeded"}, 1);
  registry.Observe(metrics::kAgendaDuration, {"failed"}, 3);
  const std::vector<std::string> lines = GraphiteLines(registry.Collect(), "", 5);
  EXPECT_EQ(lines, (std::vector<std::string>{"duration.count 2 5\n", "duration.mean 2000 5\n",
                                             "duration.sum 4000 5\n"}));
}

TEST(GraphiteTargetTest, RefusesWhatIsNotHostColonPortNamingTheFlag) {
  for (const char* bad : {"localhost", ":2003", "host:", "host:0", "host:65536", "host:20x3"}) {
    Result<GraphiteOptions> parsed = ParseGraphiteTarget("--graphite", bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find("--graphite"), std::string::npos);
  }
  Result<GraphiteOptions> good = ParseGraphiteTarget("--graphite", "carbon.local:2003");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->host, "carbon.local");
  EXPECT_EQ(good->port, 2003);
}

TEST(GraphiteReporterTest, CreateRefusesAnIntervalUnderOneSecond) {
  app::MetricsRegistry registry;
  testing::FakeClock clock;
  NullLogger logger;
  GraphiteOptions options = Options(2003);
  options.interval = Duration::Millis(500);
  auto created = GraphiteReporter::Create(options, registry, registry, clock, logger);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message.find("graphite-interval-seconds"), std::string::npos);
}

TEST(GraphiteReporterTest, PushSendsEveryMetricWithTheClocksTime) {
  LineListener carbon;
  app::MetricsRegistry registry;
  registry.Add(metrics::kPullerFailures, {}, 3);
  testing::FakeClock clock(Timestamp::FromMillis(1'700'000'000'500));
  NullLogger logger;
  auto reporter =
      GraphiteReporter::Create(Options(carbon.port()), registry, registry, clock, logger);
  ASSERT_TRUE(reporter.ok());
  ASSERT_TRUE((*reporter)->PushOnce().ok());
  EXPECT_EQ(carbon.Read(1), "pop.test.puller.failed 3 1700000000\n");
  EXPECT_EQ(registry.Value("pop_graphite_sent_lines_total"), 1);
}

TEST(GraphiteReporterTest, TheSenderThreadPushesOnceEachIntervalOfTheClock) {
  LineListener carbon;
  app::MetricsRegistry registry;
  registry.Add(metrics::kPullerFailures, {}, 1);
  testing::FakeClock clock(Timestamp::FromMillis(1'700'000'000'000));
  NullLogger logger;
  auto reporter =
      GraphiteReporter::Create(Options(carbon.port()), registry, registry, clock, logger);
  ASSERT_TRUE(reporter.ok());
  (*reporter)->Start();
  clock.Advance(Duration::Seconds(10));
  EXPECT_EQ(carbon.Read(1), "pop.test.puller.failed 1 1700000010\n");
  registry.Add(metrics::kPullerFailures, {}, 1);
  clock.Advance(Duration::Seconds(10));
  // The second push also carries the first push's pop_graphite_sent_lines_total.
  const std::string second = carbon.Read(2);
  EXPECT_NE(second.find("pop.test.puller.failed 2 1700000020\n"), std::string::npos) << second;
  (*reporter)->Stop();
}

TEST(GraphiteReporterTest, WhileCarbonIsDownLinesAreDroppedCountedAndConnectsBackOff) {
  app::MetricsRegistry registry;
  registry.Add(metrics::kPullerFailures, {}, 1);
  testing::FakeClock clock;
  NullLogger logger;
  GraphiteOptions options = Options(ClosedPort());
  options.initial_backoff = Duration::Seconds(4);
  auto reporter = GraphiteReporter::Create(options, registry, registry, clock, logger);
  ASSERT_TRUE(reporter.ok());
  Status first = (*reporter)->PushOnce();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(registry.Value("pop_graphite_dropped_lines_total"), 1);
  // Within the backoff no connection is tried: the push fails at once, and is counted.
  clock.Advance(Duration::Seconds(3));
  Status second = (*reporter)->PushOnce();
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("next connect attempt"), std::string::npos);
  EXPECT_EQ(registry.Value("pop_graphite_dropped_lines_total"), 3);  // 1 line, then 2
}

TEST(GraphiteReporterTest, DeliversAgainOnceCarbonIsBackAfterTheBackoff) {
  auto listener = std::make_unique<LineListener>();
  const int port = listener->port();
  listener.reset();  // carbon is down
  app::MetricsRegistry registry;
  testing::FakeClock clock(Timestamp::FromMillis(1'700'000'000'000));
  NullLogger logger;
  GraphiteOptions options = Options(port);
  options.initial_backoff = Duration::Seconds(2);
  auto reporter = GraphiteReporter::Create(options, registry, registry, clock, logger);
  ASSERT_TRUE(reporter.ok());
  ASSERT_FALSE((*reporter)->PushOnce().ok());
  // Carbon comes back on the same port (bound again; a race with another process is unlikely).
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::listen(fd, 4);
  clock.Advance(Duration::Seconds(2));
  EXPECT_TRUE((*reporter)->PushOnce().ok());
  ::close(fd);
}

}  // namespace
}  // namespace pop
