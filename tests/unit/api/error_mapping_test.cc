#include "api/error_mapping.h"

#include <gtest/gtest.h>

#include "api/envelope.h"

namespace pop::api {
namespace {

TEST(ErrorMappingTest, SpecCodesAndTitles) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kValidation), 422);
  EXPECT_STREQ(ErrorTitleFor(ErrorCode::kValidation), "ValidationException");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidArgument), 400);
  EXPECT_STREQ(ErrorTitleFor(ErrorCode::kInvalidArgument), "BadRequestException");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPermissionDenied), 403);
  EXPECT_STREQ(ErrorTitleFor(ErrorCode::kPermissionDenied), "UnauthorizedException");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_STREQ(ErrorTitleFor(ErrorCode::kNotFound), "ObjectNotFoundException");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnauthenticated), 401);
}

TEST(ErrorMappingTest, InternalErrorsAnswerAGenericMessageWithTheCorrelationId) {
  const std::string sql = "database error: 'SELECT doc FROM agenda WHERE ...': too many terms";
  for (ErrorCode code : {ErrorCode::kInternal, ErrorCode::kUnavailable}) {
    HttpResponse response = ErrorResponse(Error(code, sql), ResponseIds{std::nullopt, "cid-7"});
    EXPECT_EQ(response.body.find("SELECT"), std::string::npos) << response.body;
    EXPECT_NE(response.body.find("cid-7"), std::string::npos) << response.body;
    EXPECT_EQ(response.log_detail, sql);  // for the server log only
    HttpResponse service =
        ServiceErrorResponse(Error(code, sql), ResponseIds{std::nullopt, "cid-7"});
    EXPECT_EQ(service.body.find("SELECT"), std::string::npos) << service.body;
  }
}

TEST(ErrorMappingTest, AnUnavailableStoreNamesItsCauseButNotTheMessage) {
  const Error error(ErrorCode::kUnavailable,
                    "the PostgreSQL server is unreachable: db:5432: `BEGIN`: connection refused",
                    "the store is unavailable: connection to PostgreSQL at db:5432 refused");
  HttpResponse response = ErrorResponse(error, ResponseIds{std::nullopt, "cid-8"});
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(response.body.find("The store is unavailable: connection to PostgreSQL at db:5432 "
                               "refused; retry later (correlation id cid-8)"),
            std::string::npos)
      << response.body;
  EXPECT_EQ(response.body.find("BEGIN"), std::string::npos) << response.body;
  EXPECT_EQ(response.log_detail, error.message);
  // A cause on any other server-side code is not shown: only kUnavailable's are written for
  // clients.
  const Error internal(ErrorCode::kInternal, "database error", "secret detail");
  EXPECT_EQ(ClientMessageFor(internal, "c").find("secret"), std::string::npos);
}

TEST(ErrorMappingTest, ClientErrorsKeepTheirMessage) {
  Error error(ErrorCode::kValidation, "Invalid value for field 'queueSize'");
  EXPECT_EQ(ClientMessageFor(error, "c"), error.message);
  EXPECT_TRUE(ErrorResponse(error, ResponseIds{std::nullopt, "c"}).log_detail.empty());
}

}  // namespace
}  // namespace pop::api
