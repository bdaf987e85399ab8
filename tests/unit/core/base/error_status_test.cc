#include "core/base/error_status.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace pop {
namespace {

constexpr ErrorCode kEveryCode[] = {
    ErrorCode::kInvalidArgument,  ErrorCode::kValidation,      ErrorCode::kUnauthenticated,
    ErrorCode::kPermissionDenied, ErrorCode::kNotFound,        ErrorCode::kMethodNotAllowed,
    ErrorCode::kConflict,         ErrorCode::kPayloadTooLarge, ErrorCode::kTooManyRequests,
    ErrorCode::kUnavailable,      ErrorCode::kInternal};

TEST(ErrorStatusTest, EveryCodeHasItsOwnStatusAndTitleAndTheStatusMapsBackToIt) {
  std::set<int> statuses;
  std::set<std::string> titles;
  for (ErrorCode code : kEveryCode) {
    const int status = HttpStatusFor(code);
    statuses.insert(status);
    titles.insert(ErrorTitleFor(code));
    EXPECT_EQ(CodeForHttpStatus(status), code) << ErrorCodeName(code) << " " << status;
  }
  EXPECT_EQ(statuses.size(), std::size(kEveryCode));
  EXPECT_EQ(titles.size(), std::size(kEveryCode));
}

TEST(ErrorStatusTest, TheSpecsStatusesAndTitles) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kValidation), 422);
  EXPECT_STREQ(ErrorTitleFor(ErrorCode::kValidation), "ValidationException");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidArgument), 400);
  EXPECT_STREQ(ErrorTitleFor(ErrorCode::kInvalidArgument), "BadRequestException");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPermissionDenied), 403);
  EXPECT_STREQ(ErrorTitleFor(ErrorCode::kPermissionDenied), "UnauthorizedException");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_STREQ(ErrorTitleFor(ErrorCode::kNotFound), "ObjectNotFoundException");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kTooManyRequests), 429);
  EXPECT_STREQ(ErrorTitleFor(ErrorCode::kTooManyRequests), "TooManyRequestsException");
}

TEST(ErrorStatusTest, AProxysGatewayErrorsAreUnavailableAndUnknownStatusesInternal) {
  EXPECT_EQ(CodeForHttpStatus(502), ErrorCode::kUnavailable);
  EXPECT_EQ(CodeForHttpStatus(504), ErrorCode::kUnavailable);
  EXPECT_EQ(CodeForHttpStatus(418), ErrorCode::kInternal);
  EXPECT_EQ(CodeForHttpStatus(200), ErrorCode::kInternal);
}

}  // namespace
}  // namespace pop
