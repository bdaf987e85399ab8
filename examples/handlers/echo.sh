#!/bin/sh
# echo: a complete handler (docs/handlers.md). Its result is the payload it was given.
set -eu
report() { printf '%s\n' "$1" >> "$POP_REPORT"; }  # one JSON object per line
echo "echo: operation $OPERATION_NAME of agenda $AGENDA_ID"  # stdout goes to the log
report '{"processingState":"EXECUTING","processingStateMessage":"echoing","percentComplete":50.0}'
# PAYLOAD holds JSON text (payloads over 100,000 bytes arrive compressed instead; see the docs).
report "{\"processingState\":\"COMPLETE\",\"processingStateMessage\":\"succeeded\",\
\"percentComplete\":100.0,\"result\":$PAYLOAD}"
