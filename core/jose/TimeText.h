#pragma once

#include <QString>

namespace portcullis::jose::timetext {

// "2026-01-01 14:02:11 UTC"
[[nodiscard]] QString utc(qint64 unixSeconds);
// "3 min", "2 h 5 min", "4 days 3 h", "12 s": the size of a span of seconds, rounded for people.
[[nodiscard]] QString span(qint64 seconds);
// "in 3 min" / "3 min ago" / "now" for `unixSeconds` seen from `now`.
[[nodiscard]] QString relative(qint64 unixSeconds, qint64 now);

} // namespace portcullis::jose::timetext
