// ResponseGate: lets Responders, which a handler may keep after the server has stopped, reach a
// connection only while the server still runs. Internal to the http_server adapter.
#pragma once

#include <condition_variable>
#include <mutex>

namespace pop::http_server_internal {

// Open until Close(). Callers bracket every touch of server state from a Responder with a Pass;
// Close() waits for the passes in flight, so after it returns no Responder can reach the
// io_context, a connection or the handler. Thread-safe.
class ResponseGate {
 public:
  // Holds the gate open for its lifetime if it was open when constructed.
  class Pass {
   public:
    explicit Pass(ResponseGate& gate);
    ~Pass();
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    explicit operator bool() const { return entered_; }

   private:
    ResponseGate& gate_;
    bool entered_;
  };

  bool is_open() const;
  // Idempotent. Blocks until every Pass taken before it is destroyed; must not be called while
  // the calling thread holds a Pass.
  void Close();

 private:
  mutable std::mutex mu_;
  std::condition_variable passes_done_;
  bool open_ = true;  // guarded by mu_
  int passes_ = 0;    // guarded by mu_
};

}  // namespace pop::http_server_internal
