// Reading a handler's input (spec §15.3): PAYLOAD, compressed segments, -payloadFile, and the
// prior progress.
#include "pop_sdk/payload_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>

#include "core/base/base64.h"
#include "unit/sdk/sdk_test_support.h"

namespace pop::sdk {
namespace {

using testing::CapturedStdout;
using testing::ScratchDir;
using testing::TestEnvironment;

std::string Deflate(const std::string& text) {
  uLongf size = compressBound(static_cast<uLong>(text.size()));
  std::string out(size, '\0');
  EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                      reinterpret_cast<const Bytef*>(text.data()), static_cast<uLong>(text.size()),
                      Z_DEFAULT_COMPRESSION),
            Z_OK);
  out.resize(size);
  return out;
}

// The launcher's encoding: deflate, Base64, segments of `segment_chars` characters.
std::map<std::string, std::string> CompressedVariables(const std::string& payload,
                                                       size_t segment_chars) {
  std::string base64 = Base64Encode(Deflate(payload));
  std::map<std::string, std::string> vars{{"POP_PAYLOAD_TYPE", "compressedEnvVar"}};
  for (size_t i = 0; i * segment_chars < base64.size(); ++i) {
    vars["POP_COMPRESSED_PAYLOAD_" + std::to_string(i)] =
        base64.substr(i * segment_chars, segment_chars);
  }
  return vars;
}

// JSON text of about `bytes` bytes that compresses poorly (so it needs several segments).
std::string LargePayload(size_t bytes) {
  std::mt19937 random(7);
  std::string text = "{\"data\":\"";
  while (text.size() < bytes) {
    text.push_back(static_cast<char>('a' + random() % 26));
  }
  return text + "\"}";
}

TEST(SdkPayloadReaderTest, ReadsPlainPayloadVariable) {
  auto out = std::make_shared<CapturedStdout>();
  auto env = TestEnvironment({{"PAYLOAD", "{\"a\":1}"}, {"POP_PAYLOAD_TYPE", "envVar"}}, out);

  Result<std::string> text = ReadPayloadText(env);

  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "{\"a\":1}");
}

TEST(SdkPayloadReaderTest, AbsentOrUnknownPayloadTypeMeansPlainVariable) {
  auto out = std::make_shared<CapturedStdout>();

  EXPECT_EQ(ReadPayloadText(TestEnvironment({{"PAYLOAD", "1"}}, out)).value(), "1");
  EXPECT_EQ(ReadPayloadText(TestEnvironment({{"PAYLOAD", "2"}, {"POP_PAYLOAD_TYPE", "other"}}, out))
                .value(),
            "2");
}

TEST(SdkPayloadReaderTest, MissingPayloadVariableIsAnError) {
  auto out = std::make_shared<CapturedStdout>();

  Result<std::string> text = ReadPayloadText(TestEnvironment({}, out));

  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message, "PAYLOAD is not set");
}

TEST(SdkPayloadReaderTest, ConcatenatesAndInflatesCompressedSegments) {
  auto out = std::make_shared<CapturedStdout>();
  const std::string payload = LargePayload(300'000);
  auto vars = CompressedVariables(payload, 100'000);
  ASSERT_GE(vars.size(), 3U);  // the type and at least two segments

  Result<std::string> text = ReadPayloadText(TestEnvironment(vars, out));

  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, payload);
}

TEST(SdkPayloadReaderTest, PayloadTypeIsCaseInsensitive) {
  auto out = std::make_shared<CapturedStdout>();
  auto vars = CompressedVariables("{\"small\":true}", 4);
  vars["POP_PAYLOAD_TYPE"] = "COMPRESSEDENVVAR";

  Result<std::string> text = ReadPayloadText(TestEnvironment(vars, out));

  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "{\"small\":true}");
}

TEST(SdkPayloadReaderTest, SegmentsStopAtTheFirstMissingIndex) {
  auto out = std::make_shared<CapturedStdout>();
  auto vars = CompressedVariables("{\"k\":\"v\"}", 1'000);
  vars["POP_COMPRESSED_PAYLOAD_2"] = "garbage";  // after the gap at _1: not read

  Result<std::string> text = ReadPayloadText(TestEnvironment(vars, out));

  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "{\"k\":\"v\"}");
}

TEST(SdkPayloadReaderTest, MissingFirstSegmentIsAnError) {
  auto out = std::make_shared<CapturedStdout>();

  Result<std::string> text =
      ReadPayloadText(TestEnvironment({{"POP_PAYLOAD_TYPE", "compressedEnvVar"}}, out));

  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message, "POP_COMPRESSED_PAYLOAD_0 is not set");
}

TEST(SdkPayloadReaderTest, RejectsSegmentsThatAreNotBase64) {
  Result<std::string> text = InflateBase64Payload("not base64!");

  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message, "compressed payload is not valid Base64");
}

TEST(SdkPayloadReaderTest, RejectsBase64ThatIsNotAZlibStream) {
  Result<std::string> text = InflateBase64Payload(Base64Encode("plain text, not deflated"));

  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message.find("not a zlib stream"), std::string::npos);
}

TEST(SdkPayloadReaderTest, RejectsATruncatedZlibStream) {
  std::string deflated = Deflate(LargePayload(10'000));

  Result<std::string> text = InflateBase64Payload(Base64Encode(deflated.substr(0, 100)));

  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message, "compressed payload is not a zlib stream: the stream ends early");
}

TEST(SdkPayloadReaderTest, RefusesToInflateBeyondTheLimit) {
  std::string zeros(100'000, '0');

  Result<std::string> text = InflateBase64Payload(Base64Encode(Deflate(zeros)), 1'000);

  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message, "compressed payload inflates to more than 1000 bytes");
}

TEST(SdkPayloadReaderTest, PayloadFileArgumentWinsOverTheEnvironment) {
  ScratchDir dir;
  testing::WriteFile(dir / "payload.json", "{\"from\":\"file\"}");
  auto out = std::make_shared<CapturedStdout>();
  auto env = TestEnvironment({{"PAYLOAD", "{\"from\":\"env\"}"}}, out,
                             {"-payloadFile", (dir / "payload.json").string()});

  Result<std::string> text = ReadPayloadText(env);

  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "{\"from\":\"file\"}");
}

TEST(SdkPayloadReaderTest, AcceptsDoubleDashAndEqualsFlagSpellings) {
  ScratchDir dir;
  testing::WriteFile(dir / "p.json", "7");
  auto out = std::make_shared<CapturedStdout>();
  const std::string path = (dir / "p.json").string();

  EXPECT_EQ(ReadPayloadText(TestEnvironment({}, out, {"--payloadFile", path})).value(), "7");
  EXPECT_EQ(ReadPayloadText(TestEnvironment({}, out, {"-payloadFile=" + path})).value(), "7");
}

TEST(SdkPayloadReaderTest, UnreadablePayloadFileIsAnError) {
  ScratchDir dir;
  auto out = std::make_shared<CapturedStdout>();
  const std::string path = (dir / "missing.json").string();

  Result<std::string> text = ReadPayloadText(TestEnvironment({}, out, {"-payloadFile", path}));

  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message,
            "cannot read payload file " + path + ": No such file or directory");
}

TEST(SdkPayloadReaderTest, NoLastProgressOnAFirstAttempt) {
  auto out = std::make_shared<CapturedStdout>();

  Result<std::optional<OperationProgress>> last = ReadLastProgress(TestEnvironment({}, out));

  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->has_value());
}

TEST(SdkPayloadReaderTest, DecodesLastProgressVariable) {
  auto out = std::make_shared<CapturedStdout>();
  auto env = TestEnvironment(
      {{"LAST_PROGRESS", R"({"processingState":"COMPLETE","processingStateMessage":"failed",)"
                         R"("params":{"jobInfo":{"jobId":"j1"}}})"}},
      out);

  Result<std::optional<OperationProgress>> last = ReadLastProgress(env);

  ASSERT_TRUE(last.ok()) << last.error().message;
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->processing_state, ProcessingState::kComplete);
  EXPECT_EQ((*last)->processing_state_message, "failed");
  EXPECT_EQ(ToJsonText(*(*last)->params), R"({"jobInfo":{"jobId":"j1"}})");
}

TEST(SdkPayloadReaderTest, LastProgressFileWinsOverTheVariable) {
  ScratchDir dir;
  testing::WriteFile(dir / "last.json", R"({"percentComplete":40.0})");
  auto out = std::make_shared<CapturedStdout>();
  auto env = TestEnvironment({{"LAST_PROGRESS", R"({"percentComplete":10.0})"}}, out,
                             {"-lastProgressFile", (dir / "last.json").string()});

  Result<std::optional<OperationProgress>> last = ReadLastProgress(env);

  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_EQ((*last)->percent_complete, 40.0);
}

TEST(SdkPayloadReaderTest, MalformedLastProgressIsAnError) {
  auto out = std::make_shared<CapturedStdout>();

  Result<std::optional<OperationProgress>> last =
      ReadLastProgress(TestEnvironment({{"LAST_PROGRESS", "{nope"}}, out));

  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().message.rfind("last progress is not JSON: ", 0), 0U);
}

}  // namespace
}  // namespace pop::sdk
