#include "adapters/http_server/response_gate.h"

namespace pop::http_server_internal {

ResponseGate::Pass::Pass(ResponseGate& gate) : gate_(gate) {
  std::lock_guard<std::mutex> lock(gate_.mu_);
  entered_ = gate_.open_;
  if (entered_) ++gate_.passes_;
}

ResponseGate::Pass::~Pass() {
  if (!entered_) return;
  std::lock_guard<std::mutex> lock(gate_.mu_);
  if (--gate_.passes_ == 0) gate_.passes_done_.notify_all();
}

bool ResponseGate::is_open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

void ResponseGate::Close() {
  std::unique_lock<std::mutex> lock(mu_);
  open_ = false;
  passes_done_.wait(lock, [this] { return passes_ == 0; });
}

}  // namespace pop::http_server_internal
