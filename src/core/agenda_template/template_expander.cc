#include "core/agenda_template/template_expander.h"

#include "core/codec/object_codec.h"
#include "core/params/reference_replacer.h"

namespace pop {
namespace {

constexpr const char* kPayloadNames[] = {"pop.payload", "pop.transformRequest"};

}  // namespace

Result<Agenda> ExpandTemplate(const AgendaTemplate& agenda_template, const Json& payload) {
  ReferenceMap map;
  if (agenda_template.static_parameters && agenda_template.static_parameters->is_object()) {
    for (const auto& [name, value] : agenda_template.static_parameters->AsObject()) {
      for (const char* reserved : kPayloadNames) {
        if (name == reserved) {
          return Error(ErrorCode::kValidation, "Parameter [" + name + "] is duplicated.");
        }
      }
      map.Set(name, value);
    }
  }
  for (const char* name : kPayloadNames) map.Set(name, payload);
  Json skeleton = agenda_template.agenda ? Encode(*agenda_template.agenda) : Json::Object();
  ReplacementResult replaced = ReplaceReferences(skeleton, map);
  Result<Agenda> agenda = Decode<Agenda>(replaced.document);
  if (!agenda.ok()) {
    // The payload made the skeleton something else: the caller's input, hence kValidation (a 500
    // would hide the message: server-side errors answer a generic text).
    return Error(ErrorCode::kValidation, "Failed to generate Agenda from template: [" +
                                             agenda_template.title.value_or("") + "]");
  }
  return agenda;
}

}  // namespace pop
