#pragma once

#include <QByteArray>

namespace portcullis::ratelimit::redisscript {

// The Lua scripts that decide rate-limit requests in Redis, atomically. Each is loaded once per connection and
// called by its SHA-1. Times are Redis TIME in microseconds (so every instance sharing the server agrees), or the
// caller's when ARGV[1] is not empty (tests only).
//
// Redis runs the state change (the part that must be atomic) and hands back the raw state; the client turns it
// into a Decision with Algorithms.cpp's integer arithmetic (RedisRateLimitStore.cpp). That keeps the scripts
// short, and the common reply a single integer: inside Redis, every argument, every redis.call() and a table
// reply (which Redis probes for err/ok/map/... fields) each cost about as much as the empty script itself.
//
// One request per call (decide(), decidePipelined()): KEYS[1] the key, ARGV[1] '' or the time, then
//   Bucket   ARGV[2] increment (cost x emission interval, ns; tolerance + 1 when the cost exceeds the burst),
//            ARGV[3] tolerance (burst x emission interval, ns).
//            Returns the new TAT - now in ns (>= 1) when allowed, else -1 - (TAT - now).
//   Counter  ARGV[2] cost, ARGV[3] limit, ARGV[4] window in ms.
//            Returns remaining x window_us + elapsed_us when allowed and (limit + 1) x window_us <= 2^53, else
//            {allowed, current count, previous count, elapsed us in the current fixed window}.
//   Log      ARGV[2] cost, ARGV[3] limit, ARGV[4] window in ms, ARGV[5] a prefix unique to this call: members are
//            prefix..unit, so two units logged in the same microsecond are two entries.
//            Returns the count before this request when allowed, else {count, reset after us, retry after us}
//            (retry 0 when the cost exceeds the limit).
// Many requests in one call (decideMany(), Batch): KEYS[i] the key of request i, ARGV[1] '' or the time, ARGV[2] a
//   tag unique to this call (log prefixes are tag..i..':'), then FIELDS_PER_REQUEST per request: the algorithm
//   ('b', 'c', 'l') and the three arguments above (the bucket's third is unused). Returns REPLY_FIELDS integers per
//   request: the counter's table; the bucket's allowed and TAT - now; the log's allowed, count, reset, retry.
// Every key written gets a TTL that ends when it has recovered.
enum class Script
{
    Bucket,
    Counter,
    Log,
    Batch,
};
inline constexpr int SCRIPT_COUNT = 4;

[[nodiscard]] const QByteArray &source(Script script);
// The script's SHA-1, the name EVALSHA calls it by.
[[nodiscard]] const QByteArray &sha1(Script script);

inline constexpr int FIELDS_PER_REQUEST = 4;
inline constexpr int REPLY_FIELDS = 4;

} // namespace portcullis::ratelimit::redisscript
