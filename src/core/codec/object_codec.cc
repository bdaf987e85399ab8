#include "core/codec/object_codec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "core/base/closest_name.h"
#include "core/codec/json_text.h"

namespace pop {
namespace {

// ---- Field descriptors --------------------------------------------------------------------

enum class Shape { kAny, kObject };  // kObject: a Json field that must be an object (ParamsMap)

template <typename S, typename M>
struct Field {
  const char* name;
  M S::*member;
  Shape shape = Shape::kAny;
};

template <typename S, typename M>
constexpr Field<S, M> F(const char* name, M S::*member, Shape shape = Shape::kAny) {
  return Field<S, M>{name, member, shape};
}

template <typename T>
struct Fields;  // Fields<T>::Get() returns a tuple of Field descriptors, in output order.

constexpr auto BaseFields() {
  return std::make_tuple(
      F("id", &EndpointObject::id), F("cid", &EndpointObject::cid),
      F("customerId", &EndpointObject::customer_id), F("title", &EndpointObject::title),
      F("addedTime", &EndpointObject::added_time), F("updatedTime", &EndpointObject::updated_time));
}

template <>
struct Fields<DiagnosticEvent> {
  static constexpr auto Get() {
    return std::make_tuple(
        F("message", &DiagnosticEvent::message), F("statusCode", &DiagnosticEvent::status_code),
        F("time", &DiagnosticEvent::time), F("stackTrace", &DiagnosticEvent::stack_trace),
        F("payload", &DiagnosticEvent::payload));
  }
};

template <>
struct Fields<AgendaInsight> {
  static constexpr auto Get() {
    return std::make_tuple(F("resourcePoolId", &AgendaInsight::resource_pool_id),
                           F("insightId", &AgendaInsight::insight_id));
  }
};

template <>
struct Fields<Operation> {
  static constexpr auto Get() {
    return std::make_tuple(F("id", &Operation::id), F("name", &Operation::name),
                           F("type", &Operation::type), F("payload", &Operation::payload),
                           F("params", &Operation::params, Shape::kObject));
  }
};

template <>
struct Fields<Agenda> {
  static constexpr auto Get() {
    return std::tuple_cat(
        BaseFields(), std::make_tuple(F("linkId", &Agenda::link_id), F("jobId", &Agenda::job_id),
                                      F("progressId", &Agenda::progress_id),
                                      F("agendaInsight", &Agenda::agenda_insight),
                                      F("params", &Agenda::params, Shape::kObject),
                                      F("operations", &Agenda::operations)));
  }
};

template <>
struct Fields<AgendaTemplate> {
  static constexpr auto Get() {
    return std::tuple_cat(
        BaseFields(),
        std::make_tuple(F("isGlobal", &AgendaTemplate::is_global),
                        F("isDefaultTemplate", &AgendaTemplate::is_default_template),
                        F("allowedCustomerIds", &AgendaTemplate::allowed_customer_ids),
                        F("staticParameters", &AgendaTemplate::static_parameters, Shape::kObject),
                        F("params", &AgendaTemplate::params, Shape::kObject),
                        F("agenda", &AgendaTemplate::agenda)));
  }
};

template <>
struct Fields<Customer> {
  static constexpr auto Get() {
    return std::tuple_cat(BaseFields(),
                          std::make_tuple(F("billingCode", &Customer::billing_code),
                                          F("resourcePoolId", &Customer::resource_pool_id),
                                          F("weight", &Customer::weight)));
  }
};

template <>
struct Fields<Insight> {
  static constexpr auto Get() {
    return std::tuple_cat(
        BaseFields(),
        std::make_tuple(F("resourcePoolId", &Insight::resource_pool_id),
                        F("queueName", &Insight::queue_name), F("queueSize", &Insight::queue_size),
                        F("schedulingAlgorithm", &Insight::scheduling_algorithm),
                        F("isGlobal", &Insight::is_global),
                        F("allowedCustomerIds", &Insight::allowed_customer_ids),
                        F("mappers", &Insight::mappers)));
  }
};

template <>
struct Fields<ResourcePool> {
  static constexpr auto Get() {
    return std::tuple_cat(BaseFields(),
                          std::make_tuple(F("insightIds", &ResourcePool::insight_ids),
                                          F("handlerTypes", &ResourcePool::handler_types)));
  }
};

template <>
struct Fields<OperationProgress> {
  static constexpr auto Get() {
    using P = OperationProgress;
    return std::tuple_cat(
        BaseFields(),
        std::make_tuple(
            F("agendaProgressId", &P::agenda_progress_id), F("operation", &P::operation),
            F("processingState", &P::processing_state),
            F("processingStateMessage", &P::processing_state_message),
            F("percentComplete", &P::percent_complete), F("attemptCount", &P::attempt_count),
            F("attemptTime", &P::attempt_time), F("startedTime", &P::started_time),
            F("completedTime", &P::completed_time), F("diagnosticEvents", &P::diagnostic_events),
            F("resultPayload", &P::result_payload), F("params", &P::params, Shape::kObject)));
  }
};

template <>
struct Fields<AgendaProgress> {
  static constexpr auto Get() {
    using P = AgendaProgress;
    return std::tuple_cat(
        BaseFields(),
        std::make_tuple(
            F("agendaId", &P::agenda_id), F("linkId", &P::link_id),
            F("externalId", &P::external_id), F("processingState", &P::processing_state),
            F("processingStateMessage", &P::processing_state_message),
            F("percentComplete", &P::percent_complete),
            F("attemptsCompleted", &P::attempts_completed),
            F("maximumAttempts", &P::maximum_attempts), F("startedTime", &P::started_time),
            F("completedTime", &P::completed_time), F("params", &P::params, Shape::kObject),
            F("agendaInsight", &P::agenda_insight), F("diagnosticEvents", &P::diagnostic_events),
            F("operationProgress", &P::operation_progress)));
  }
};

template <>
struct Fields<ReadyAgenda> {
  static constexpr auto Get() {
    return std::make_tuple(F("id", &ReadyAgenda::id), F("insightId", &ReadyAgenda::insight_id),
                           F("agendaId", &ReadyAgenda::agenda_id),
                           F("customerId", &ReadyAgenda::customer_id),
                           F("added", &ReadyAgenda::added));
  }
};

template <typename T, typename = void>
struct HasFields : std::false_type {};
template <typename T>
struct HasFields<T, std::void_t<decltype(Fields<T>::Get())>> : std::true_type {};

// ---- Paths for error messages (built only when an error happens) --------------------------

struct Path {
  const Path* parent = nullptr;
  const char* name = nullptr;  // member name, or nullptr for an array index
  size_t index = 0;

  std::string ToString() const {
    std::string parent_text = parent != nullptr ? parent->ToString() : std::string();
    if (name == nullptr) return parent_text + "[" + std::to_string(index) + "]";
    return parent_text.empty() ? std::string(name) : parent_text + "." + name;
  }
};

Status TypeError(const Path& path, const char* expected, const Json& got) {
  return Status(ErrorCode::kInvalidArgument, "Invalid value for field '" + path.ToString() +
                                                 "': expected " + expected + ", got " +
                                                 JsonTypeDescription(got.type()));
}

// ---- Value codecs -------------------------------------------------------------------------

template <typename T>
Status DecodeStruct(const Json& in, T& out, const Path* path);
template <typename T>
Json EncodeStruct(const T& value);

Status DecodeValue(const Json& in, std::string& out, const Path& path, Shape) {
  switch (in.type()) {
    case Json::Type::kString:
      out = in.AsString();
      return Status::Ok();
    case Json::Type::kBool:
    case Json::Type::kInteger:
    case Json::Type::kDouble:
      out = ToJsonText(in);
      return Status::Ok();
    default:
      return TypeError(path, "a string", in);
  }
}

bool ParseInteger(const std::string& s, int64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

bool IntegralDouble(double d, int64_t& out) {
  if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > 9.0e18) return false;
  out = static_cast<int64_t>(d);
  return true;
}

Status DecodeValue(const Json& in, int64_t& out, const Path& path, Shape) {
  if (in.is_integer()) {
    out = in.AsInt();
    return Status::Ok();
  }
  if (in.is_double() && IntegralDouble(in.AsDouble(), out)) return Status::Ok();
  if (in.is_string() && ParseInteger(in.AsString(), out)) return Status::Ok();
  return TypeError(path, "an integer", in);
}

Status DecodeValue(const Json& in, double& out, const Path& path, Shape) {
  if (in.is_number()) {
    out = in.AsDouble();
    return Status::Ok();
  }
  if (in.is_string()) {
    const std::string& s = in.AsString();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (!s.empty() && ec == std::errc() && end == s.data() + s.size() && std::isfinite(out)) {
      return Status::Ok();
    }
  }
  return TypeError(path, "a number", in);
}

Status DecodeValue(const Json& in, bool& out, const Path& path, Shape) {
  if (in.is_bool()) {
    out = in.AsBool();
    return Status::Ok();
  }
  if (in.is_string() && (in.AsString() == "true" || in.AsString() == "false")) {
    out = in.AsString() == "true";
    return Status::Ok();
  }
  return TypeError(path, "a boolean", in);
}

Status DecodeValue(const Json& in, Timestamp& out, const Path& path, Shape) {
  int64_t ms = 0;
  if (in.is_integer()) {
    ms = in.AsInt();
  } else if (!(in.is_double() && IntegralDouble(in.AsDouble(), ms))) {
    return TypeError(path, "epoch milliseconds (a number)", in);
  }
  out = Timestamp::FromMillis(ms);
  return Status::Ok();
}

Status DecodeValue(const Json& in, Json& out, const Path& path, Shape shape) {
  if (shape == Shape::kObject && !in.is_object()) return TypeError(path, "an object", in);
  out = in;
  return Status::Ok();
}

Status DecodeValue(const Json& in, ProcessingState& out, const Path& path, Shape) {
  std::optional<ProcessingState> parsed;
  if (in.is_string()) parsed = ParseProcessingState(in.AsString());
  if (!parsed) {
    return Status(ErrorCode::kInvalidArgument,
                  "Invalid value for field '" + path.ToString() +
                      "': expected one of WAITING, EXECUTING, COMPLETE");
  }
  out = *parsed;
  return Status::Ok();
}

Status DecodeValue(const Json& in, SchedulingAlgorithm& out, const Path& path, Shape) {
  std::optional<SchedulingAlgorithm> parsed;
  if (in.is_string()) parsed = ParseSchedulingAlgorithm(in.AsString());
  if (!parsed) {
    return Status(ErrorCode::kInvalidArgument,
                  "Invalid value for field '" + path.ToString() +
                      "': expected one of FirstInFirstOut, RoundRobin, Priority, WeightedFair");
  }
  out = *parsed;
  return Status::Ok();
}

Status DecodeValue(const Json& in, AllowedCustomerIds& out, const Path& path, Shape) {
  if (!in.is_array()) return TypeError(path, "an array of strings", in);
  out.ids.clear();
  size_t index = 0;
  for (const Json& element : in.AsArray()) {
    Path element_path{&path, nullptr, index++};
    if (element.is_null()) continue;
    std::string id;
    POP_RETURN_IF_ERROR(DecodeValue(element, id, element_path, Shape::kAny));
    std::transform(id.begin(), id.end(), id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::find(out.ids.begin(), out.ids.end(), id) == out.ids.end()) out.ids.push_back(id);
  }
  return Status::Ok();
}

Status DecodeValue(const Json& in, InsightMappers& out, const Path& path, Shape) {
  if (!in.is_object()) return TypeError(path, "an object of string arrays", in);
  out.entries.clear();
  for (const auto& [key, values] : in.AsObject()) {
    Path key_path{&path, key.c_str(), 0};
    if (values.is_null()) continue;
    if (!values.is_array()) return TypeError(key_path, "an array of strings", values);
    std::vector<std::string> list;
    size_t index = 0;
    for (const Json& element : values.AsArray()) {
      Path element_path{&key_path, nullptr, index++};
      if (element.is_null()) continue;
      std::string value;
      POP_RETURN_IF_ERROR(DecodeValue(element, value, element_path, Shape::kAny));
      list.push_back(std::move(value));
    }
    out.entries.emplace_back(key, std::move(list));
  }
  return Status::Ok();
}

template <typename T>
Status DecodeValue(const Json& in, std::vector<T>& out, const Path& path, Shape) {
  if (!in.is_array()) return TypeError(path, "an array", in);
  out.clear();
  out.reserve(in.AsArray().size());
  size_t index = 0;
  for (const Json& element : in.AsArray()) {
    Path element_path{&path, nullptr, index++};
    if (element.is_null()) continue;  // null elements carry nothing; the spec skips them
    T value{};
    if constexpr (HasFields<T>::value) {
      POP_RETURN_IF_ERROR(DecodeStruct(element, value, &element_path));
    } else {
      POP_RETURN_IF_ERROR(DecodeValue(element, value, element_path, Shape::kAny));
    }
    out.push_back(std::move(value));
  }
  return Status::Ok();
}

template <typename T, std::enable_if_t<HasFields<T>::value, int> = 0>
Status DecodeValue(const Json& in, T& out, const Path& path, Shape) {
  return DecodeStruct(in, out, &path);
}

template <typename T>
Status DecodeValue(const Json& in, std::optional<T>& out, const Path& path, Shape shape) {
  if (in.is_null()) {
    out.reset();
    return Status::Ok();
  }
  T value{};
  POP_RETURN_IF_ERROR(DecodeValue(in, value, path, shape));
  out = std::move(value);
  return Status::Ok();
}

Json EncodeValue(const std::string& v) { return Json(v); }
Json EncodeValue(int64_t v) { return Json(v); }
Json EncodeValue(double v) { return Json(v); }
Json EncodeValue(bool v) { return Json(v); }
Json EncodeValue(Timestamp v) { return Json(v.millis()); }
Json EncodeValue(const Json& v) { return v; }
Json EncodeValue(ProcessingState v) { return Json(ProcessingStateName(v)); }
Json EncodeValue(SchedulingAlgorithm v) { return Json(SchedulingAlgorithmName(v)); }
Json EncodeValue(const AllowedCustomerIds& v) {
  JsonArray out;
  out.reserve(v.ids.size());
  for (const auto& id : v.ids) out.emplace_back(id);
  return Json(std::move(out));
}
Json EncodeValue(const InsightMappers& v) {
  JsonObject out;
  for (const auto& [key, values] : v.entries) {
    JsonArray list;
    for (const auto& value : values) list.emplace_back(value);
    out.Set(key, Json(std::move(list)));
  }
  return Json(std::move(out));
}
template <typename T, std::enable_if_t<HasFields<T>::value, int> = 0>
Json EncodeValue(const T& v) {
  return EncodeStruct(v);
}
template <typename T>
Json EncodeValue(const std::vector<T>& v) {
  JsonArray out;
  out.reserve(v.size());
  for (const auto& element : v) out.push_back(EncodeValue(element));
  return Json(std::move(out));
}

// ---- Structs ------------------------------------------------------------------------------

template <typename T>
Status DecodeStruct(const Json& in, T& out, const Path* path) {
  if (!in.is_object()) {
    if (path == nullptr) {
      return Status(ErrorCode::kInvalidArgument,
                    std::string("Invalid request body: expected a JSON object, got ") +
                        JsonTypeDescription(in.type()));
    }
    return TypeError(*path, "an object", in);
  }
  const JsonObject& object = in.AsObject();
  Status status;
  std::apply(
      [&](const auto&... field) {
        auto decode_one = [&](const auto& f) {
          if (!status.ok()) return;
          const Json* value = object.Find(f.name);
          if (value == nullptr) return;
          Path field_path{path, f.name, 0};
          status = DecodeValue(*value, out.*(f.member), field_path, f.shape);
        };
        (decode_one(field), ...);
      },
      Fields<T>::Get());
  return status;
}

template <typename M>
void EncodeMember(JsonObject& out, const char* name, const std::optional<M>& value) {
  if (value.has_value()) out.AppendUnchecked(name, EncodeValue(*value));
}
template <typename M>
void EncodeMember(JsonObject& out, const char* name, const M& value) {
  out.AppendUnchecked(name, EncodeValue(value));
}

template <typename T>
Json EncodeStruct(const T& value) {
  JsonObject out;
  std::apply(
      [&](const auto&... field) { (EncodeMember(out, field.name, value.*(field.member)), ...); },
      Fields<T>::Get());
  return Json(std::move(out));
}

// ---- Unknown fields ------------------------------------------------------------------------

template <typename T>
std::vector<std::string> KnownFieldNames() {
  std::vector<std::string> names;
  std::apply([&](const auto&... field) { (names.emplace_back(field.name), ...); },
             Fields<T>::Get());
  return names;
}

// Declared before their definitions so that each finds the others (the last overload for a
// member type wins by partial ordering: optional, then vector, then a struct or a plain value).
template <typename T>
void CollectUnknown(const Json& in, const std::string& path, std::vector<UnknownField>& out);
template <typename M>
void CollectUnknownIn(const Json& value, const std::string& path, std::vector<UnknownField>& out,
                      const M* type);
template <typename M>
void CollectUnknownIn(const Json& value, const std::string& path, std::vector<UnknownField>& out,
                      const std::optional<M>* type);
template <typename M>
void CollectUnknownIn(const Json& value, const std::string& path, std::vector<UnknownField>& out,
                      const std::vector<M>* type);

template <typename M>
void CollectUnknownIn(const Json& value, const std::string& path, std::vector<UnknownField>& out,
                      const M* /*type*/) {
  if constexpr (HasFields<M>::value) CollectUnknown<M>(value, path, out);
}
template <typename M>
void CollectUnknownIn(const Json& value, const std::string& path, std::vector<UnknownField>& out,
                      const std::optional<M>* /*type*/) {
  CollectUnknownIn(value, path, out, static_cast<const M*>(nullptr));
}
template <typename M>
void CollectUnknownIn(const Json& value, const std::string& path, std::vector<UnknownField>& out,
                      const std::vector<M>* /*type*/) {
  if (!value.is_array()) return;
  size_t index = 0;
  for (const Json& element : value.AsArray()) {
    std::string element_path = path;
    element_path += "[";
    element_path += std::to_string(index++);
    element_path += "]";
    CollectUnknownIn(element, element_path, out, static_cast<const M*>(nullptr));
  }
}

template <typename T>
void CollectUnknown(const Json& in, const std::string& path, std::vector<UnknownField>& out) {
  if (!in.is_object()) return;
  for (const JsonObject::Member& member : in.AsObject()) {
    const std::string& key = member.first;
    std::string field_path = path;
    if (!field_path.empty()) field_path += ".";
    field_path += key;
    bool known = false;
    std::apply(
        [&](const auto&... field) {
          auto visit = [&](const auto& f) {
            if (known || key != f.name) return;
            known = true;
            using Member = std::remove_cv_t<std::remove_reference_t<decltype(T{}.*(f.member))>>;
            CollectUnknownIn(member.second, field_path, out, static_cast<const Member*>(nullptr));
          };
          (visit(field), ...);
        },
        Fields<T>::Get());
    if (!known) out.push_back(UnknownField{field_path, ClosestName(key, KnownFieldNames<T>())});
  }
}

}  // namespace

template <typename T>
std::vector<UnknownField> UnknownFields(const Json& json) {
  std::vector<UnknownField> unknown;
  CollectUnknown<T>(json, "", unknown);
  return unknown;
}

std::vector<UnknownField> UnknownObjectFields(ObjectKind kind, const Json& json) {
  switch (kind) {
    case ObjectKind::kAgenda:
      return UnknownFields<Agenda>(json);
    case ObjectKind::kAgendaTemplate:
      return UnknownFields<AgendaTemplate>(json);
    case ObjectKind::kCustomer:
      return UnknownFields<Customer>(json);
    case ObjectKind::kInsight:
      return UnknownFields<Insight>(json);
    case ObjectKind::kResourcePool:
      return UnknownFields<ResourcePool>(json);
    case ObjectKind::kAgendaProgress:
      return UnknownFields<AgendaProgress>(json);
    case ObjectKind::kOperationProgress:
      return UnknownFields<OperationProgress>(json);
  }
  return {};
}

template <typename T>
Result<T> Decode(const Json& json) {
  T value{};
  Status status = DecodeStruct(json, value, nullptr);
  if (!status.ok()) return status.error();
  return value;
}

template <typename T>
Json Encode(const T& value) {
  return EncodeStruct(value);
}

#define POP_INSTANTIATE_CODEC(T)                                    \
  template Result<T> Decode<T>(const Json&);                        \
  template std::vector<UnknownField> UnknownFields<T>(const Json&); \
  template Json Encode<T>(const T&);
POP_INSTANTIATE_CODEC(Agenda)
POP_INSTANTIATE_CODEC(Operation)
POP_INSTANTIATE_CODEC(AgendaTemplate)
POP_INSTANTIATE_CODEC(Customer)
POP_INSTANTIATE_CODEC(Insight)
POP_INSTANTIATE_CODEC(ResourcePool)
POP_INSTANTIATE_CODEC(AgendaProgress)
POP_INSTANTIATE_CODEC(OperationProgress)
POP_INSTANTIATE_CODEC(DiagnosticEvent)
POP_INSTANTIATE_CODEC(AgendaInsight)
POP_INSTANTIATE_CODEC(ReadyAgenda)
#undef POP_INSTANTIATE_CODEC

namespace {

// `path`: nullptr for a whole body, else where the object sits (an element of an array body).
Result<DataObject> DecodeObjectUnder(ObjectKind kind, const Json& json, const Path* path) {
  auto decode = [&](auto value) -> Result<DataObject> {
    Status status = DecodeStruct(json, value, path);
    if (!status.ok()) return status.error();
    return DataObject(std::move(value));
  };
  switch (kind) {
    case ObjectKind::kAgenda:
      return decode(Agenda{});
    case ObjectKind::kAgendaTemplate:
      return decode(AgendaTemplate{});
    case ObjectKind::kCustomer:
      return decode(Customer{});
    case ObjectKind::kInsight:
      return decode(Insight{});
    case ObjectKind::kResourcePool:
      return decode(ResourcePool{});
    case ObjectKind::kAgendaProgress:
      return decode(AgendaProgress{});
    case ObjectKind::kOperationProgress:
      return decode(OperationProgress{});
  }
  return Error(ErrorCode::kInternal, "unknown object kind");
}

}  // namespace

Result<DataObject> DecodeObject(ObjectKind kind, const Json& json) {
  return DecodeObjectUnder(kind, json, nullptr);
}

Result<DataObject> DecodeObjectAt(ObjectKind kind, const Json& json, size_t index) {
  const Path element{nullptr, nullptr, index};
  return DecodeObjectUnder(kind, json, &element);
}

Json EncodeObject(const DataObject& object) {
  return std::visit([](const auto& o) { return Encode(o); }, object);
}

}  // namespace pop
