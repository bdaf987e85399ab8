#include "api/event_streams.h"

#include <cstdint>
#include <optional>
#include <utility>

#include "core/access/visibility.h"
#include "core/base/result.h"
#include "core/codec/json_text.h"
#include "core/model/common.h"

namespace pop::api {

// The streams answered and not yet closed, with what each token has open. Shared by EventStreams
// and the streams the HTTP server holds (which may outlive it).
class EventStreams::Registry {
 public:
  struct Entry {
    app::RequestContext ctx;
    std::string token;                 // whose limit it counts against
    std::shared_ptr<StreamSink> sink;  // null until opened
  };

  explicit Registry(EventStreamsOptions options) : options_(options) {}

  // A slot for a new stream of `token`: its id, or why it is refused (kTooManyRequests when the
  // token has max_per_token open, kUnavailable when the server has max_total or is stopping).
  Result<uint64_t> Reserve(const app::RequestContext& ctx) {
    MutexLock lock(mu_);
    if (stopped_ || entries_.size() >= options_.max_total) {
      return Error(ErrorCode::kUnavailable, "Too many event streams on this server");
    }
    const std::string& token = ctx.auth.user_id;
    if (per_token_[token] >= options_.max_per_token) {
      return Error(ErrorCode::kTooManyRequests, "Too many event streams for this token (at most " +
                                                    std::to_string(options_.max_per_token) +
                                                    "); close a page or wait for one to end");
    }
    ++per_token_[token];
    const uint64_t id = ++next_id_;
    entries_.emplace(id, Entry{ctx, token, nullptr});
    return id;
  }

  // False when the registry stopped meanwhile (the stream is ended at once).
  bool Opened(uint64_t id, std::shared_ptr<StreamSink> sink) {
    MutexLock lock(mu_);
    auto entry = entries_.find(id);
    if (stopped_ || entry == entries_.end()) return false;
    entry->second.sink = std::move(sink);
    return true;
  }

  void Release(uint64_t id) {
    MutexLock lock(mu_);
    auto entry = entries_.find(id);
    if (entry == entries_.end()) return;
    auto count = per_token_.find(entry->second.token);
    if (count != per_token_.end() && --count->second == 0) per_token_.erase(count);
    entries_.erase(entry);
  }

  // The open streams (copies: sending happens outside the lock).
  std::vector<std::pair<uint64_t, Entry>> Open() {
    MutexLock lock(mu_);
    std::vector<std::pair<uint64_t, Entry>> open;
    for (const auto& [id, entry] : entries_) {
      if (entry.sink) open.emplace_back(id, entry);
    }
    return open;
  }

  // Refuses new streams from now on and hands back the open ones, to be ended.
  std::vector<std::shared_ptr<StreamSink>> Stop() {
    MutexLock lock(mu_);
    stopped_ = true;
    std::vector<std::shared_ptr<StreamSink>> sinks;
    for (const auto& [id, entry] : entries_) {
      if (entry.sink) sinks.push_back(entry.sink);
    }
    return sinks;
  }

  size_t size() const {
    MutexLock lock(mu_);
    return entries_.size();
  }

 private:
  const EventStreamsOptions options_;
  mutable Mutex mu_;
  std::map<uint64_t, Entry> entries_ POP_GUARDED_BY(mu_);
  std::map<std::string, size_t> per_token_ POP_GUARDED_BY(mu_);
  uint64_t next_id_ POP_GUARDED_BY(mu_) = 0;
  bool stopped_ POP_GUARDED_BY(mu_) = false;
};

namespace {

// One text/event-stream event.
std::string Event(const std::string& name, const Json& data) {
  return "event: " + name + "\ndata: " + ToJsonText(data) + "\n\n";
}

// What a `change` event says of an object: its kind and id, and what a page shows without
// reading it again (an agenda's customer, a progress's agenda, state and percent).
Json Describe(const DataObject& object) {
  JsonObject event;
  event.Set("kind", Json(ObjectKindName(KindOf(object))));
  const EndpointObject& base = BaseOf(object);
  event.Set("id", Json(base.id.value_or("")));
  if (base.customer_id) event.Set("customerId", Json(*base.customer_id));
  if (const auto* progress = std::get_if<AgendaProgress>(&object)) {
    if (progress->agenda_id) event.Set("agendaId", Json(*progress->agenda_id));
    if (progress->processing_state) {
      event.Set("processingState", Json(ProcessingStateName(*progress->processing_state)));
    }
    if (progress->percent_complete) event.Set("percentComplete", Json(*progress->percent_complete));
  }
  return Json(std::move(event));
}

Json AgendaEvent(const std::string& agenda_id, const std::string& customer_id, const char* what) {
  return Json(JsonObject{
      {"kind", "Agenda"}, {"id", agenda_id}, {"customerId", customer_id}, {"change", what}});
}

// The object `kind`/`id` as the stream's token may read it (the data routes' read), or nullopt.
std::optional<DataObject> ReadAs(app::DataObjectService& data, ObjectKind kind,
                                 const std::string& id, const app::RequestContext& ctx) {
  app::ObjectGet get;
  get.kind = kind;
  get.id = id;
  get.limit = 1;
  get.include_operation_progress = false;
  auto found = data.Get(get, ctx);
  if (!found.ok() || found.value().objects.empty()) return std::nullopt;
  return std::move(found.value().objects.front());
}

// The stream's side the HTTP server holds: registers its sink when opened, frees its slot when
// closed (or when the response was never sent).
class Stream final : public ResponseStream {
 public:
  Stream(std::shared_ptr<EventStreams::Registry> registry, uint64_t id)
      : registry_(std::move(registry)), id_(id) {}
  ~Stream() override { registry_->Release(id_); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  void Open(std::shared_ptr<StreamSink> sink) override {
    // The reconnect delay a browser's EventSource would use, and a first event, so the client
    // knows at once that the stream is live.
    sink->Send("retry: 3000\n\n" +
               Event("hello", Json(JsonObject{{"stream", Json(static_cast<int64_t>(id_))}})));
    if (!registry_->Opened(id_, sink)) sink->End();
  }
  void Closed() override { registry_->Release(id_); }

 private:
  std::shared_ptr<EventStreams::Registry> registry_;
  const uint64_t id_;
};

}  // namespace

EventStreams::EventStreams(EventStreamsOptions options, app::DataObjectService& data,
                           ChangeFeed& changes, Clock& clock)
    : options_(options),
      data_(data),
      changes_(changes),
      clock_(clock),
      registry_(std::make_shared<Registry>(options)) {
  changes_.Subscribe(this);
}

EventStreams::~EventStreams() {
  changes_.Unsubscribe(this);
  Stop();
}

HttpResponse EventStreams::Open(const app::RequestContext& ctx, const ResponseIds& ids) {
  Result<uint64_t> id = registry_->Reserve(ctx);
  if (!id.ok()) {
    HttpResponse refused = ErrorResponse(id.error(), ids);
    refused.SetHeader("Retry-After", "5");
    return refused;
  }
  HttpResponse response;
  response.SetHeader("Content-Type", "text/event-stream");
  response.SetHeader("Cache-Control", "no-store");
  response.SetHeader("X-Accel-Buffering", "no");  // proxies pass events on as they come
  response.stream = std::make_shared<Stream>(registry_, *id);
  return response;
}

void EventStreams::Start() {
  std::lock_guard<std::mutex> lock(loop_mu_);
  if (loop_.joinable() || loop_stop_) return;
  loop_ = std::thread([this] { KeepAliveLoop(); });
}

void EventStreams::Stop() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    loop_stop_ = true;
  }
  loop_cv_.notify_all();
  if (loop_.joinable() && loop_.get_id() != std::this_thread::get_id()) loop_.join();
  for (const auto& sink : registry_->Stop()) sink->End();
}

size_t EventStreams::open_streams() const { return registry_->size(); }

void EventStreams::KeepAliveLoop() {
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!loop_stop_) {
    const Timestamp next = clock_.Now() + options_.keep_alive;
    while (!loop_stop_ && clock_.Now() < next) clock_.WaitUntil(loop_cv_, lock, next);
    if (loop_stop_) break;
    lock.unlock();
    for (auto& [id, entry] : registry_->Open()) {
      if (!entry.sink->Send(": keep-alive\n\n")) registry_->Release(id);
    }
    lock.lock();
  }
}

void EventStreams::OnChange(const Change& change) {
  // What the change is about, and how a stream's token is checked against it.
  std::optional<DataObject> object;  // the object as stored, checked with ScopeAllows
  std::optional<std::pair<ObjectKind, std::string>> by_id;    // read with each stream's token
  std::optional<std::pair<std::string, std::string>> agenda;  // agenda id and its customer
  const char* what = "changed";
  const char* event_name = "change";
  switch (change.kind) {
    case Change::Kind::kReadyAdded:
      what = "queued";
      agenda.emplace(change.ready.agenda_id, change.ready.customer_id);
      break;
    case Change::Kind::kReadyChanged:
      what = change.ready.claimed_by ? "claimed" : "queued";
      agenda.emplace(change.ready.agenda_id, change.ready.customer_id);
      break;
    case Change::Kind::kReadyRemoved:
      what = "unqueued";
      agenda.emplace(change.ready.agenda_id, change.ready.customer_id);
      break;
    case Change::Kind::kObjectChanged:
      if (change.object) {
        object = change.object;
      } else {
        by_id.emplace(change.object_kind, change.id);
      }
      break;
    case Change::Kind::kPauseChanged:
      by_id.emplace(
          change.pause_target == PauseTarget::kAgenda ? ObjectKind::kAgenda : ObjectKind::kInsight,
          change.id);
      break;
    case Change::Kind::kObjectDeleted:
      // Checked against the object as it was; one deleted without it (by another server) can no
      // longer be read to be checked, so it is not sent.
      if (!change.object) return;
      object = change.object;
      event_name = "deleted";
      break;
    case Change::Kind::kAgendaDeleted:  // by id only: kObjectDeleted follows with the agenda
    case Change::Kind::kClaimConfirmed:
    case Change::Kind::kScheduleState:
      return;
  }
  auto open = registry_->Open();
  if (open.empty()) return;
  std::optional<Json> agenda_event;
  if (agenda) {
    Agenda stub;  // what the read rule of an agenda looks at: its customer
    stub.id = agenda->first;
    stub.customer_id = agenda->second;
    object = DataObject(std::move(stub));
    agenda_event = AgendaEvent(agenda->first, agenda->second, what);
  }
  for (auto& [id, entry] : open) {
    std::optional<Json> event;
    if (object) {
      if (ScopeAllows(ReadScope(KindOf(*object), entry.ctx.auth), *object)) {
        event = agenda_event ? *agenda_event : Describe(*object);
      }
    } else if (by_id) {
      if (auto read = ReadAs(data_, by_id->first, by_id->second, entry.ctx)) {
        Json described = Describe(*read);
        if (change.kind == Change::Kind::kPauseChanged) {
          described.AsObject().Set("paused", Json(change.paused_at.has_value()));
        }
        event = std::move(described);
      }
    }
    if (event && !entry.sink->Send(Event(event_name, *event))) registry_->Release(id);
  }
}

Status EventStreams::OnResync() {
  for (auto& [id, entry] : registry_->Open()) {
    if (!entry.sink->Send(Event("resync", Json(JsonObject{})))) registry_->Release(id);
  }
  return Status::Ok();
}

}  // namespace pop::api
