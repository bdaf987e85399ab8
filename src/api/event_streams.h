// EventStreams: GET <base>/events, the web UI's one live stream per page. Server-sent events
// (text/event-stream) fed by the ChangeFeed: each committed change of an Agenda, its progress or
// a data object becomes one `change` event, sent only to the streams whose token may read the
// object, by the same rules as the data routes (core/access/visibility.h; an object named only by
// id is read through DataObjectService with the stream's own token). A data object deleted
// through this server becomes one `deleted` event (its kind and id), sent to the streams that
// could read it. With several servers on one store, the changes the others commit arrive through
// the store's change feed (PostgresChangeFeed), progress included. Bounded: at most
// `max_per_token` streams per token and `max_total` per server (429 and 503 past them). No thread
// per stream: a stream is a registered sink the HTTP server writes for; one keep-alive thread
// sends a comment to every stream each `keep_alive`. Stop() ends every stream cleanly (the last
// chunk). Design and event format: docs/ui.md. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/envelope.h"
#include "api/http_types.h"
#include "app/data_object_service.h"
#include "app/request_context.h"
#include "core/base/time.h"
#include "ports/change_feed.h"
#include "ports/clock.h"
#include "ports/mutex.h"

namespace pop::api {

struct EventStreamsOptions {
  size_t max_per_token = 8;  // a browser with a few tabs open
  size_t max_total = 256;
  Duration keep_alive = Duration::Seconds(15);
};

class EventStreams final : public ChangeListener {
 public:
  // Subscribes to `changes` (and unsubscribes when destroyed); `data` answers the reads of
  // objects a change names only by id. Both must outlive this.
  EventStreams(EventStreamsOptions options, app::DataObjectService& data, ChangeFeed& changes,
               Clock& clock);
  ~EventStreams() override;
  EventStreams(const EventStreams&) = delete;
  EventStreams& operator=(const EventStreams&) = delete;

  // The answer to an authenticated GET /events: 200 with a stream, 429 when the token has
  // max_per_token streams open, 503 when the server has max_total (or is stopping).
  HttpResponse Open(const app::RequestContext& ctx, const ResponseIds& ids);

  // Starts the keep-alive thread. Stop() ends every open stream, refuses new ones and joins it.
  void Start();
  void Stop();

  // Streams open (or answered and about to open) now.
  size_t open_streams() const;

  void OnChange(const Change& change) override;
  // Tells every stream to read again (the feed may have missed changes).
  [[nodiscard]] Status OnResync() override;

  class Registry;

 private:
  void KeepAliveLoop();

  const EventStreamsOptions options_;
  app::DataObjectService& data_;
  ChangeFeed& changes_;
  Clock& clock_;
  std::shared_ptr<Registry> registry_;  // shared with the streams the server holds
  std::mutex loop_mu_;                  // for Clock::WaitUntil (std::mutex by its signature)
  std::condition_variable loop_cv_;
  bool loop_stop_ = false;  // guarded by loop_mu_
  std::thread loop_;
};

}  // namespace pop::api
