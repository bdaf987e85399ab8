// greet: your first handler, in C++ with the SDK (docs/handlers.md#your-first-handler), built as
// pop_greet_handler. Input: the payload, e.g. {"name": "Ada"}. Output: {"greeting": "hello, Ada"}.
#include <iostream>
#include <string>

#include "pop_sdk/handler.h"

int main(int argc, char** argv) {
  return pop::sdk::RunHandler(argc, argv, [](pop::sdk::HandlerContext& ctx) -> pop::Status {
    std::cout << "greet: operation " << ctx.operation_name() << std::endl;  // the log
    const pop::Json* name = ctx.payload().Find("name");
    if (name == nullptr || !name->is_string()) {
      ctx.Fail("payload field 'name' must be a string");
      return pop::Status::Ok();
    }
    ctx.ReportProgress(50.0, "greeting");
    ctx.Succeed(pop::Json(pop::JsonObject{{"greeting", pop::Json("hello, " + name->AsString())}}));
    return pop::Status::Ok();
  });
}
