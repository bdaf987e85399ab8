// `pop dev --tls-cert/--tls-key` and the CLI's --ca-file, end to end with the built binary and
// throw-away certificates (support/test_certificates.h).
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "e2e/dev_process_support.h"
#include "support/test_certificates.h"

namespace pop::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kAgenda[] = R"({"linkId": "L-tls", "operations": [{"name": "a", "type": "noop"}]})";

class TlsEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certs_.MakeCa("ca"));
    ASSERT_TRUE(certs_.MakeCa("other-ca"));
    ASSERT_TRUE(certs_.MakeServerCert("server", "ca", "DNS:localhost,IP:127.0.0.1"));
    std::ofstream(certs_.Path("agenda.json")) << kAgenda;
    std::filesystem::create_directories(certs_.dir() / "dev");
  }

  PopRun Submit(const std::string& url, const std::string& data_dir, const std::string& ca) {
    return RunPop({"agenda", "submit", "--wait", "-q", "-f", certs_.Path("agenda.json"), "--server",
                   url, "--data-dir", data_dir, "--ca-file", certs_.Path(ca)});
  }

  TestCertificates certs_;
};

TEST_F(TlsEndToEndTest, AgendaSubmittedOverHttpsToPopDevCompletes) {
  DevProcess dev(certs_.dir() / "dev",
                 {"--tls-cert", certs_.Path("server.pem"), "--tls-key", certs_.Path("server.key")});
  const std::string url = dev.Start();
  ASSERT_THAT(url, StartsWith("https://127.0.0.1:"));

  PopRun run = Submit(url, dev.data_dir().string(), "ca.pem");

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(dev.Stop(), 0);
}

TEST_F(TlsEndToEndTest, CliRefusesAServerItsCaFileDoesNotTrust) {
  DevProcess dev(certs_.dir() / "dev",
                 {"--tls-cert", certs_.Path("server.pem"), "--tls-key", certs_.Path("server.key")});
  const std::string url = dev.Start();

  PopRun run = Submit(url, dev.data_dir().string(), "other-ca.pem");

  EXPECT_EQ(run.exit_code, 3);
  EXPECT_THAT(run.err, HasSubstr("TLS certificate is not trusted"));
}

TEST_F(TlsEndToEndTest, DevRefusesToStartWithATlsCertificateButNoKey) {
  PopRun run = RunPop({"dev", "--listen", "127.0.0.1:0", "--data-dir",
                       (certs_.dir() / "d").string(), "--tls-cert", certs_.Path("server.pem")});

  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--tls-cert needs --tls-key"));
}

TEST_F(TlsEndToEndTest, CliRefusesAnUnreadableCaFileNamingTheFlag) {
  PopRun run = RunPop({"agenda", "list", "--server", "https://127.0.0.1:1", "--token", "t",
                       "--ca-file", certs_.Path("absent.pem")});

  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--ca-file: cannot read"));
}

}  // namespace
}  // namespace pop::testing
