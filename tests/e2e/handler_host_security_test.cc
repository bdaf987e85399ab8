// No customer runs code on the host (docs/security.md, "Handlers and the host"): through `pop
// dev`, a customer token submitting a `sample` operation whose payload asks for externalExecute
// gets a clear failure and nothing runs, unless the operator set allowPayloadCommands for the
// type in the handler registry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/codec/json_text.h"
#include "e2e/dev_process_support.h"
#include "e2e/server_process_support.h"

namespace pop::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRefusal[] =
    "externalExecute is disabled for operation type 'sample'; an operator enables it with "
    "allowPayloadCommands in the handler registry";

class HandlerHostSecurityTest : public ::testing::Test {
 protected:
  // pop dev's handler registry as an operator writes it: the sample handler, with
  // allowPayloadCommands set to `allow`.
  void WriteRegistry(bool allow) {
    std::filesystem::create_directories(dev_.data_dir());
    Json sample(JsonObject{{"command", Json(std::string(POP_BINARY_DIR) + "/pop")},
                           {"args", Json(JsonArray{Json("handler"), Json("sample")})},
                           {"allowPayloadCommands", Json(allow)}});
    std::ofstream(dev_.data_dir() / "handlers.json")
        << ToJsonText(Json(JsonObject{{"sample", sample}}));
  }

  // Starts pop dev and makes a customer (tenant) token for the dev workspace.
  void Start() {
    url_ = dev_.Start();
    ASSERT_FALSE(url_.empty());
    PopRun token = RunPop({"token", "create", "--account", "dev", "--server", url_, "--data-dir",
                           dev_.data_dir().string()});
    ASSERT_EQ(token.exit_code, 0) << token.out << token.err;
    customer_token_ = token.out;
    while (!customer_token_.empty() && customer_token_.back() == '\n') customer_token_.pop_back();
  }

  // Submits, as the customer, a sample operation that would create the marker file, and waits.
  PopRun SubmitTouchingTheMarker() {
    const std::string agenda = R"({"customerId":"dev","operations":[{"name":"a","type":"sample",
      "payload":{"actions":[{"action":"externalExecute",
      "paramsMap":{"externalArgs":["touch",")" +
                               marker_.string() + R"("]}}]}}]})";
    // Only the customer's token: no --data-dir, so the CLI cannot fall back to the admin token.
    return RunPop(
        {"agenda", "submit", "--wait", "-f", "-", "--server", url_, "--token", customer_token_},
        agenda);
  }

  TempDir dir_;
  DevProcess dev_{dir_.path()};
  std::filesystem::path marker_ = dir_.path() / "marker";
  std::string url_;
  std::string customer_token_;
};

TEST_F(HandlerHostSecurityTest, CustomerCannotRunACommandThroughPopDevsDefaultRegistry) {
  Start();  // no handlers.json: pop dev writes its default one

  PopRun run = SubmitTouchingTheMarker();

  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr(std::string("operation a failed: ") + kRefusal));
  EXPECT_FALSE(std::filesystem::exists(marker_));
  std::ifstream registry(dev_.data_dir() / "handlers.json");
  std::stringstream text;
  text << registry.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("\"sample\""));
  EXPECT_THAT(text.str(), Not(HasSubstr("allowPayloadCommands")));
}

TEST_F(HandlerHostSecurityTest, CustomerCannotRunACommandWhenTheRegistryDisallowsIt) {
  WriteRegistry(false);
  Start();

  PopRun run = SubmitTouchingTheMarker();

  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr(std::string("operation a failed: ") + kRefusal));
  EXPECT_FALSE(std::filesystem::exists(marker_));
}

TEST_F(HandlerHostSecurityTest, WithAllowPayloadCommandsTheSampleHandlerRunsTheCommand) {
  WriteRegistry(true);
  Start();

  PopRun run = SubmitTouchingTheMarker();

  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(std::filesystem::exists(marker_));
}

}  // namespace
}  // namespace pop::testing
