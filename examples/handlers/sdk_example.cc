// A minimal handler written with the SDK (sdk/README.md): it echoes its payload as its result.
// Run by hand: PAYLOAD='{"x":1}' OPERATION_NAME=echo ./pop_example_handler
#include "pop_sdk/handler.h"

int main(int argc, char** argv) {
  return pop::sdk::RunHandler(argc, argv, [](pop::sdk::HandlerContext& ctx) -> pop::Status {
    const pop::Json& input = ctx.payload();
    ctx.ReportProgress(50.0, "halfway");
    ctx.Succeed(pop::Json(pop::JsonObject{{"echo", input}}));
    return pop::Status::Ok();
  });
}
