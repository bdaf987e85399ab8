// ClientAgendaWatch: follows a running Agenda for `pop agenda submit --wait`, `agenda watch`,
// `agenda rerun --wait` and `template run --wait`. It polls the AgendaProgress (with its
// operationProgress) every kPollInterval until COMPLETE, drawing one live bar per operation on a
// terminal or one line per state change otherwise, then prints the outcome. Confined to the
// calling thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "cli/api_client.h"

namespace pop::cli {

// How often the CLI asks for progress. A client polling a server, not app code, so real time.
inline constexpr std::chrono::milliseconds kPollInterval{200};

struct WaitOptions {
  std::optional<std::chrono::milliseconds> timeout;  // none: wait for as long as it takes
  bool live = false;   // redraw bars in place with ANSI escapes (stdout is a terminal)
  bool quiet = false;  // show nothing while waiting; on failure the outcome goes to stderr
};

// Waits for the Agenda to complete. Returns the exit code: kExitOk when it succeeded,
// kExitRefusedOrFailed when it failed (the failed operations and diagnostics are printed),
// kExitTimedOut after `timeout`, or the code of a request error (reported on stderr).
int WaitForAgenda(ApiClient& client, const std::string& agenda_id, const std::string& progress_id,
                  const WaitOptions& options);

// Builds WaitOptions from a --timeout flag value; `live` when stdout is a terminal.
// Errors: kInvalidArgument for a malformed duration.
[[nodiscard]] Result<WaitOptions> MakeWaitOptions(const std::string& timeout, bool quiet);

// GET /progress/agenda/{progressId} (with operationProgress). Errors: kNotFound when the
// progress is absent or invisible, else as ApiClient::Call.
[[nodiscard]] Result<Json> FetchProgress(ApiClient& client, const std::string& progress_id);
// GET /agenda/{id}. Errors: kNotFound when absent or invisible, else as ApiClient::Call.
[[nodiscard]] Result<Json> FetchAgenda(ApiClient& client, const std::string& agenda_id);

}  // namespace pop::cli
