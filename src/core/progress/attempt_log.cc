#include "core/progress/attempt_log.h"

#include <algorithm>

namespace pop {
namespace {

constexpr int64_t kMillisPerDay = 86'400'000;

// `value` in decimal, zero-padded to `width` digits.
std::string Padded(int64_t value, size_t width) {
  std::string digits = std::to_string(value);
  return digits.size() >= width ? digits : std::string(width - digits.size(), '0') + digits;
}

// Days since 1970-01-01 to a civil date (proleptic Gregorian), H. Hinnant's algorithm.
struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};
CivilDate CivilFromDays(int64_t days) {
  days += 719'468;
  const int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146'097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = static_cast<int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

}  // namespace

int64_t NextAttempt(const std::optional<OperationProgress>& prior) {
  if (!prior) return 1;
  const int64_t counted = prior->attempt_count.value_or(0);
  const bool ran = counted > 0 || prior->started_time || prior->completed_time;
  return ran ? std::max<int64_t>(counted, 1) + 1 : 1;
}

std::string AttemptLogHeader(const std::string& operation, int64_t attempt, Timestamp started) {
  if (attempt <= 1) return "";
  return "\n--- attempt " + std::to_string(attempt) + " of " + operation + ", started " +
         FormatUtc(started) + " ---\n";
}

std::string FormatUtc(Timestamp time) {
  const int64_t ms = time.millis();
  int64_t days = ms / kMillisPerDay;
  int64_t rest = ms % kMillisPerDay;
  if (rest < 0) {
    rest += kMillisPerDay;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  const int64_t seconds = rest / 1000;
  return Padded(date.year, 4) + "-" + Padded(date.month, 2) + "-" + Padded(date.day, 2) + "T" +
         Padded(seconds / 3600, 2) + ":" + Padded(seconds / 60 % 60, 2) + ":" +
         Padded(seconds % 60, 2) + "Z";
}

}  // namespace pop
