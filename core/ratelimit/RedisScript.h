#pragma once

#include <QByteArray>

namespace portcullis::ratelimit::redisscript {

// The Lua script that decides a batch of rate-limit requests in Redis, atomically, with the arithmetic of
// Algorithms.cpp. Times are Redis TIME in microseconds (so every instance sharing the server agrees), or the
// caller's when ARGV[1] is not empty (tests only).
//   KEYS[i]  the key of request i
//   ARGV[1]  '' for Redis TIME, or the time in microseconds since the Unix epoch
//   ARGV[2]  a tag unique to this call: sliding-log members are tag..i..':'..unit, so two units logged in the same
//            microsecond are two entries
//   then FIELDS_PER_REQUEST per request: algorithm ('l' sliding log, 'c' sliding counter, 'b' token bucket), cost,
//            limit, window in ms, burst (bucket), emission interval in ns (bucket)
// Returns REPLY_FIELDS integers per request: allowed (0/1), exceeds capacity (0/1), remaining, reset after (ns),
// retry after (ns). Every key written gets a TTL that ends when it has recovered.
[[nodiscard]] const QByteArray &source();
// The script's SHA-1, the name EVALSHA calls it by.
[[nodiscard]] const QByteArray &sha1();

inline constexpr int FIELDS_PER_REQUEST = 6;
inline constexpr int REPLY_FIELDS = 5;

} // namespace portcullis::ratelimit::redisscript
