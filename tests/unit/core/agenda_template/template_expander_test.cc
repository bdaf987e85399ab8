#include "core/agenda_template/template_expander.h"

#include <gtest/gtest.h>

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "support/test_data.h"

namespace pop {
namespace {

AgendaTemplate TemplateFrom(const std::string& json) {
  auto decoded = Decode<AgendaTemplate>(testing::ParseOrDie(json));
  POP_CHECK(decoded.ok()) << decoded.error().message;
  return *decoded;
}

TEST(TemplateExpanderTest, ReplacesReferencesAcrossTheWholeAgenda) {
  auto tmpl =
      TemplateFrom(R"({"title":"T","staticParameters":{"accelerateEncodeProcessorVersion":"1.5"},
    "agenda":{"customerId":"@<pop.payload::/customerId>","linkId":"@<pop.transformRequest::/job>",
      "params":{"source":"@<pop.payload::/sourceFile>"},
      "operations":[{"name":"encode","type":"SampleOp","payload":{
        "file":"@<pop.payload::/sourceFile>","rawsData":"@<pop.payload::/rawsData>",
        "processorVersion":"@<accelerateEncodeProcessorVersion>","later":"@<encode.out::/x>"}}]}})");
  Json payload = testing::ParseOrDie(
      R"({"customerId":"acme","job":"j1","sourceFile":{"file":"coolestdog.mp4"},"rawsData":"<xml>This is RAWS Data</xml>"})");
  auto agenda = ExpandTemplate(tmpl, payload);
  ASSERT_TRUE(agenda.ok()) << agenda.error().message;
  EXPECT_EQ(agenda->customer_id, "acme");
  EXPECT_EQ(agenda->link_id, "j1");
  EXPECT_EQ(ToJsonText(*agenda->params), R"({"source":{"file":"coolestdog.mp4"}})");
  EXPECT_EQ(ToJsonText(*(*agenda->operations)[0].payload),
            R"({"file":{"file":"coolestdog.mp4"},"rawsData":"<xml>This is RAWS Data</xml>",)"
            R"("processorVersion":"1.5","later":"@<encode.out::/x>"})");
}

TEST(TemplateExpanderTest, StaticParameterMayNotShadowThePayload) {
  auto tmpl = TemplateFrom(R"({"staticParameters":{"pop.payload":1},"agenda":{}})");
  auto agenda = ExpandTemplate(tmpl, Json::Object());
  ASSERT_FALSE(agenda.ok());
  EXPECT_EQ(agenda.error().code, ErrorCode::kValidation);
  EXPECT_EQ(agenda.error().message, "Parameter [pop.payload] is duplicated.");
}

TEST(TemplateExpanderTest, ExpansionThatBreaksTheAgendaShapeIsAValidationError) {
  auto tmpl = TemplateFrom(R"({"title":"Broken","agenda":{"linkId":"@<pop.payload>"}})");
  auto agenda = ExpandTemplate(tmpl, testing::ParseOrDie(R"({"an":"object"})"));
  ASSERT_FALSE(agenda.ok());
  EXPECT_EQ(agenda.error().code, ErrorCode::kValidation);
  EXPECT_EQ(agenda.error().message, "Failed to generate Agenda from template: [Broken]");
}

}  // namespace
}  // namespace pop
