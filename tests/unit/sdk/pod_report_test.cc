// Where a handler in a pod sends its reports (pop_sdk/pod_report.h): the pod, the API server and
// the service account, from the standard places or the POP_KUBE_* overrides.
#include "pop_sdk/pod_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace pop::sdk {
namespace {

using ::testing::HasSubstr;

HandlerEnvironment Env(std::map<std::string, std::string> variables) {
  HandlerEnvironment env;
  env.variables = std::move(variables);
  env.write_line = [](std::string_view) {};
  return env;
}

class PodReportTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pop-pod-report-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "token") << "secret-token\n";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::filesystem::path dir_;
};

TEST_F(PodReportTargetTest, OutsideAPodThereIsNone) {
  Result<std::optional<PodReportTarget>> target = PodReportTargetFrom(Env({}));
  ASSERT_TRUE(target.ok());
  EXPECT_FALSE(target->has_value());
}

TEST_F(PodReportTargetTest, InAPodTheOverridesName) {
  Result<std::optional<PodReportTarget>> target =
      PodReportTargetFrom(Env({{"MY_POD_NAME", "pop-samp1"},
                               {"POP_KUBE_SERVER", "https://127.0.0.1:6443"},
                               {"POP_KUBE_TOKEN_FILE", (dir_ / "token").string()},
                               {"POP_KUBE_CA_FILE", "/certs/ca.crt"},
                               {"POP_KUBE_NAMESPACE", "jobs"}}));
  ASSERT_TRUE(target.ok()) << target.error().message;
  ASSERT_TRUE(target->has_value());
  EXPECT_EQ((*target)->pod, "pop-samp1");
  EXPECT_EQ((*target)->server, "https://127.0.0.1:6443");
  EXPECT_EQ((*target)->token, "secret-token");
  EXPECT_EQ((*target)->ca_file, "/certs/ca.crt");
  EXPECT_EQ((*target)->namespace_name, "jobs");
}

TEST_F(PodReportTargetTest, TheServerComesFromTheServiceVariables) {
  Result<std::optional<PodReportTarget>> target =
      PodReportTargetFrom(Env({{"MY_POD_NAME", "p"},
                               {"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                               {"KUBERNETES_SERVICE_PORT", "443"},
                               {"POP_KUBE_TOKEN_FILE", (dir_ / "token").string()},
                               {"POP_KUBE_NAMESPACE", "pop"}}));
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ((*target)->server, "https://10.96.0.1:443");
  EXPECT_EQ((*target)->ca_file, "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
}

TEST_F(PodReportTargetTest, WhatIsMissingIsNamed) {
  Result<std::optional<PodReportTarget>> no_server =
      PodReportTargetFrom(Env({{"MY_POD_NAME", "p"}}));
  ASSERT_FALSE(no_server.ok());
  EXPECT_THAT(no_server.error().message,
              HasSubstr("in a pod (MY_POD_NAME=p) but no API server: KUBERNETES_SERVICE_HOST"));
  Result<std::optional<PodReportTarget>> no_token =
      PodReportTargetFrom(Env({{"MY_POD_NAME", "p"},
                               {"POP_KUBE_SERVER", "https://s"},
                               {"POP_KUBE_TOKEN_FILE", (dir_ / "missing").string()}}));
  ASSERT_FALSE(no_token.ok());
  EXPECT_THAT(no_token.error().message, HasSubstr("no service account token in"));
}

TEST_F(PodReportTargetTest, AnUnreachableServerIsAWriteErrorNotACrash) {
  // No pause between the final attempts: nothing listens, each fails at once.
  std::unique_ptr<ReportChannel> channel = PodReportChannel(
      PodReportTarget{"https://127.0.0.1:1", "ns", "p", "t", (dir_ / "ca.crt").string()}, Env({}),
      ProgressReporterOptions{.retry_delay = Duration::Millis(0)});
  OperationProgress progress;
  progress.processing_state = ProcessingState::kExecuting;
  EXPECT_TRUE(channel->Write(progress, std::nullopt));
  channel->Close();
  EXPECT_FALSE(channel->Write(progress, std::nullopt));
  ASSERT_TRUE(channel->write_error().has_value());
  EXPECT_THAT(*channel->write_error(), HasSubstr("patching pod p failed"));
}

}  // namespace
}  // namespace pop::sdk
