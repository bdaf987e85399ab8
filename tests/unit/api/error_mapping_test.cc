#include "api/error_mapping.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pop::api
