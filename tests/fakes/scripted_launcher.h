// ScriptedLauncher: a Launcher for type "script" whose handlers do what their payload says:
//   {"result": <json>}            succeed with that output
//   {"fail": "message"}           report COMPLETE/failed with that diagnostic
//   {"crash": "why"}              a launcher-decided failure (LaunchOutcome::failure)
//   {"hold": true}                stay running until Release() or Cancel(); a cancelled one
//                                 logs "stopping <name>" (as a handler printing on SIGTERM)
// A running handler's latest progress is EXECUTING at SetPercent's value (50 by default).
// It records every LaunchSpec and the most handlers running at once. Thread-safe.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "ports/launcher.h"

namespace pop::testing {

class ScriptedLauncher final : public Launcher {
 public:
  bool Handles(const std::string& type) const override { return type == "script"; }

  Result<std::unique_ptr<LaunchedOperation>> Launch(const LaunchSpec& spec) override {
    std::lock_guard<std::mutex> lock(mu_);
    specs_.push_back(spec);
    return std::unique_ptr<LaunchedOperation>(std::make_unique<Handler>(*this, spec));
  }

  // What every running handler reports as its latest progress from now on (50 % by default).
  void SetPercent(double percent) {
    std::lock_guard<std::mutex> lock(mu_);
    percent_ = percent;
  }

  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::vector<LaunchSpec> specs() {
    std::lock_guard<std::mutex> lock(mu_);
    return specs_;
  }
  size_t max_running() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_running_;
  }
  size_t running() {
    std::lock_guard<std::mutex> lock(mu_);
    return running_;
  }
  // Blocks until `n` handlers are running at once.
  void WaitForRunning(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return running_ >= n; });
  }

 private:
  class Handler final : public LaunchedOperation {
   public:
    Handler(ScriptedLauncher& owner, LaunchSpec spec) : owner_(owner), spec_(std::move(spec)) {}
    std::optional<OperationProgress> LatestProgress() override {
      OperationProgress p;
      p.processing_state = ProcessingState::kExecuting;
      std::lock_guard<std::mutex> lock(owner_.mu_);
      p.percent_complete = owner_.percent_;
      return p;
    }
    std::string TakeNewLog() override {
      std::lock_guard<std::mutex> lock(owner_.mu_);
      return std::exchange(log_, "");
    }
    LaunchOutcome Wait() override {
      Json payload = ParseJson(spec_.payload).value();
      {
        std::lock_guard<std::mutex> lock(owner_.mu_);
        log_ = "running " + spec_.operation_name + "\n";
      }
      LaunchOutcome outcome;
      if (payload.Find("hold") != nullptr) {
        std::unique_lock<std::mutex> lock(owner_.mu_);
        ++owner_.running_;
        owner_.max_running_ = std::max(owner_.max_running_, owner_.running_);
        owner_.cv_.notify_all();
        owner_.cv_.wait(lock, [&] { return owner_.released_ || cancelled_; });
        --owner_.running_;
        if (cancelled_) {
          log_ += "stopping " + spec_.operation_name + "\n";
          outcome.failure = "Handler for operation " + spec_.operation_name + " was cancelled";
          outcome.progress = Complete("failed");
          return outcome;
        }
      }
      if (const Json* fail = payload.Find("fail")) {
        outcome.progress = Complete("failed");
        DiagnosticEvent event;
        event.message = fail->AsString();
        outcome.progress->diagnostic_events = std::vector<DiagnosticEvent>{event};
      } else if (const Json* crash = payload.Find("crash")) {
        outcome.failure = crash->AsString();
        outcome.progress = Complete("failed");
      } else {
        outcome.progress = Complete("succeeded");
        if (const Json* result = payload.Find("result")) outcome.output = ToJsonText(*result);
      }
      return outcome;
    }
    void Cancel(std::chrono::milliseconds) override {
      std::lock_guard<std::mutex> lock(owner_.mu_);
      cancelled_ = true;
      owner_.cv_.notify_all();
    }

   private:
    static OperationProgress Complete(const char* message) {
      OperationProgress p;
      p.processing_state = ProcessingState::kComplete;
      p.processing_state_message = message;
      return p;
    }
    ScriptedLauncher& owner_;
    LaunchSpec spec_;
    std::string log_;         // guarded by owner_.mu_
    bool cancelled_ = false;  // guarded by owner_.mu_
  };

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<LaunchSpec> specs_;
  size_t running_ = 0;
  size_t max_running_ = 0;
  bool released_ = false;
  double percent_ = 50.0;
};

}  // namespace pop::testing
