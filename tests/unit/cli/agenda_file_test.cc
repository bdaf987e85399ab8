// What `pop agenda submit -f` reads: one agenda, a JSON array, or JSON lines.
#include "cli/agenda_file.h"

#include <gtest/gtest.h>

namespace pop::cli {
namespace {

std::string ErrorOf(const Result<AgendaFile>& file) {
  return file.ok() ? std::string("(ok)") : file.error().message;
}

TEST(AgendaFileTest, AnObjectIsOneAgendaSubmittedAlone) {
  auto file = ParseAgendaFile(R"({"operations":[]})", "a.json");

  ASSERT_TRUE(file.ok()) << ErrorOf(file);
  EXPECT_EQ(file->agendas.size(), 1u);
  EXPECT_FALSE(file->is_batch);
}

TEST(AgendaFileTest, AnArrayIsABatchInFileOrder) {
  auto file = ParseAgendaFile(R"([{"linkId":"x"},{"linkId":"y"}])", "a.json");

  ASSERT_TRUE(file.ok()) << ErrorOf(file);
  ASSERT_EQ(file->agendas.size(), 2u);
  EXPECT_TRUE(file->is_batch);
  EXPECT_EQ(file->agendas[1].Find("linkId")->AsString(), "y");
}

TEST(AgendaFileTest, JsonLinesAreABatchAndBlankLinesAreSkipped) {
  auto file = ParseAgendaFile("{\"linkId\":\"x\"}\n\n{\"linkId\":\"y\"}\r\n{\"linkId\":\"z\"}\n",
                              "a.jsonl");

  ASSERT_TRUE(file.ok()) << ErrorOf(file);
  ASSERT_EQ(file->agendas.size(), 3u);
  EXPECT_TRUE(file->is_batch);
  EXPECT_EQ(file->agendas[2].Find("linkId")->AsString(), "z");
}

TEST(AgendaFileTest, ABadLineIsNamedByItsNumber) {
  auto file = ParseAgendaFile("{\"linkId\":\"x\"}\n\n{\"linkId\":\n", "a.jsonl");

  EXPECT_NE(ErrorOf(file).find("a.jsonl line 3 is not valid JSON"), std::string::npos)
      << ErrorOf(file);
}

TEST(AgendaFileTest, AnElementThatIsNotAnObjectIsNamedByItsIndex) {
  EXPECT_EQ(ErrorOf(ParseAgendaFile(R"([{},1])", "a.json")),
            "a.json element [1]: expected a JSON object, got a number");
  EXPECT_EQ(ErrorOf(ParseAgendaFile("{}\n[1]\n", "a.jsonl")),
            "a.jsonl line 2: expected a JSON object, got an array");
  EXPECT_EQ(ErrorOf(ParseAgendaFile("[]", "a.json")), "a.json: the array holds no agenda");
}

TEST(AgendaFileTest, APrettyPrintedObjectThatIsBrokenReportsTheDocumentsError) {
  auto file = ParseAgendaFile("{\n  \"linkId\": \"x\",\n", "a.json");

  EXPECT_NE(ErrorOf(file).find("a.json is not valid JSON"), std::string::npos) << ErrorOf(file);
}

}  // namespace
}  // namespace pop::cli
