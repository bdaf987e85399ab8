// `pop handler sample`: the sample handler of spec §16.1 (operation type `sample`), built on the
// handler SDK. It sleeps, logs, fails or runs a local command as its payload's actions say, then
// succeeds with the payload's `resultPayload`. Used by the end-to-end scenario of spec §21.
//
// Deviations from the original: a sleep shorter than a second sleeps that long (the original
// slept one second per iteration regardless: 200 ms slept 1 s); `externalExecute` runs
// `externalArgs` as a local child process rather than launching a pod, and only where the
// operator enabled it (the registry's allowPayloadCommands, seen as POP_ALLOW_PAYLOAD_COMMANDS=1):
// otherwise the operation fails before any action runs ("externalExecute is disabled for
// operation type 'sample'; an operator enables it with allowPayloadCommands in the handler
// registry").
#pragma once

namespace pop::cli {

// argv[0] is the program name; `-payloadFile <path>` and `-lastProgressFile <path>` may follow.
// Returns the process exit status (0; a failed operation is reported, not exited with).
int RunSampleHandler(int argc, char** argv);

}  // namespace pop::cli
