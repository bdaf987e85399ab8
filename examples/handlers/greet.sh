#!/bin/sh
# greet: your first handler, in shell (docs/handlers.md#your-first-handler).
# Input: the payload, e.g. {"name": "Ada"}. Output: {"greeting": "hello", "to": <the payload>}.
set -eu
echo "greet.sh: operation $OPERATION_NAME of agenda $AGENDA_ID"  # stdout is the operation's log
printf '%s\n' "{\"processingState\":\"COMPLETE\",\"processingStateMessage\":\"succeeded\",\
\"percentComplete\":100.0,\"result\":{\"greeting\":\"hello\",\"to\":$PAYLOAD}}" >> "$POP_REPORT"
