#include "ratelimit/RedisScript.h"

#include <array>

#include <QCryptographicHash>

namespace portcullis::ratelimit::redisscript {

namespace {

// Lua 5.1 numbers are doubles: every value here stays an exact integer below 2^53 (times in microseconds, spans in
// nanoseconds up to 31 days, counts up to 1e9). The sliding counter's test, count x window in ms, passes 2^53 only
// for limit x window above 9e15 (more than 3.3 million per 31 days), where a request at the exact boundary may be
// decided either way; the client does the rest of the arithmetic in 64-bit integers. Numbers handed to
// redis.call() are sent as "%.17g", exact for these integers (Lua's own tostring is not: 1.7e+15).
//
// The scripts are put together from these parts, so the batch script runs the very same functions.
constexpr char PRELUDE[] = R"lua(
local floor, call, tonumber = math.floor, redis.call, tonumber
local now = ARGV[1]
if now == '' then
  local t = call('TIME')
  now = t[1] * 1000000 + t[2]
else
  now = tonumber(now)
end

-- floor(a / b) for integers, exact where a / b in doubles rounds.
local function idiv(a, b)
  local q = floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end
)lua";

// GCRA. The value is the TAT in ns since the epoch, as digits (microseconds, then three digits of ns).
// Returns allowed (0/1), then the TAT - now in ns: the new one when allowed, the current one when not.
constexpr char BUCKET[] = R"lua(
local function bucket(key, increment, tolerance)
  local diff = 0
  local v = call('GET', key)
  if v then
    diff = (tonumber(string.sub(v, 1, -4)) - now) * 1000 + tonumber(string.sub(v, -3))
    if diff < 0 then diff = 0 elseif diff > tolerance then diff = tolerance end
  end
  local tat = diff + increment
  if tat > tolerance then return 0, diff end
  local us = idiv(tat, 1000)
  call('SET', key, string.format('%d%03d', now + us, tat - us * 1000), 'PX', idiv(tat + 999999, 1000000))
  return 1, tat
end
)lua";

// Fixed windows aligned on the window length; the value is start:current:previous (start in us).
// Returns allowed (0/1), the current window's count (after this request), the previous window's, and the us
// elapsed in the current window.
constexpr char COUNTER[] = R"lua(
local function counter(key, cost, limit, windowMs)
  local w = windowMs * 1000
  local start = idiv(now, w) * w
  local current, previous = 0, 0
  local v = call('GET', key)
  if v then
    local s, c, p = string.match(v, '^(%d+):(%d+):(%d+)$')
    s = tonumber(s)
    if s >= start then -- this window (or later: the clock went back, keep the counts)
      current, previous = tonumber(c), tonumber(p)
    elseif s == start - w then
      previous = tonumber(c)
    end
  end
  local elapsed = now - start
  if cost <= limit and previous * (windowMs - idiv(elapsed, 1000)) + (current + cost) * windowMs <= limit * windowMs then
    current = current + cost
    call('SET', key, string.format('%d:%d:%d', start, current, previous), 'PX', idiv(start + 2 * w - now + 999, 1000))
    return 1, current, previous, elapsed
  end
  return 0, current, previous, elapsed
end
)lua";

// A sorted set of unique members scored by their time in us. Returns allowed (0/1), the count before this
// request, then when refused the us until the newest entry leaves (reset) and until enough have left for this
// request (retry; 0 when the cost exceeds the limit).
constexpr char LOG[] = R"lua(
local function log(key, cost, limit, windowMs, prefix)
  local w = windowMs * 1000
  call('ZREMRANGEBYSCORE', key, '-inf', now - w)
  local count = call('ZCARD', key)
  if count + cost <= limit then
    if cost == 1 then
      call('ZADD', key, now, prefix .. '1')
    else
      local args, n = {'ZADD', key}, 2
      for unit = 1, cost do
        args[n + 1], args[n + 2], n = now, prefix .. unit, n + 2
        if n >= 2000 or unit == cost then
          call(unpack(args, 1, n))
          n = 2
        end
      end
    end
    call('PEXPIRE', key, windowMs)
    return 1, count, 0, 0
  end
  local reset, retry = 0, 0
  local e = call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if e[2] then reset = tonumber(e[2]) + w - now end
  if cost <= limit then
    local at = count + cost - limit - 1
    e = call('ZRANGE', key, at, at, 'WITHSCORES')
    retry = tonumber(e[2]) + w - now
  end
  return 0, count, reset, retry
end
)lua";

constexpr char BUCKET_MAIN[] = R"lua(
local allowed, diff = bucket(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
if allowed == 1 then return diff end
return -1 - diff
)lua";

constexpr char COUNTER_MAIN[] = R"lua(
local limit, windowMs = tonumber(ARGV[3]), tonumber(ARGV[4])
local allowed, current, previous, elapsed = counter(KEYS[1], tonumber(ARGV[2]), limit, windowMs)
local w = windowMs * 1000
if allowed == 1 and (limit + 1) * w <= 9007199254740992 then
  local remaining = idiv((limit - current) * windowMs - previous * (windowMs - idiv(elapsed, 1000)), windowMs)
  return remaining * w + elapsed
end
return {allowed, current, previous, elapsed}
)lua";

constexpr char LOG_MAIN[] = R"lua(
local allowed, count, reset, retry = log(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5])
if allowed == 1 then return count end
return {count, reset, retry}
)lua";

constexpr char BATCH_MAIN[] = R"lua(
local out, tag = {}, ARGV[2]
for i = 1, #KEYS do
  local a, o = 2 + (i - 1) * 4, (i - 1) * 4
  local algorithm, x, y, z = ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  if algorithm == 'b' then
    out[o + 1], out[o + 2] = bucket(KEYS[i], x, y)
    out[o + 3], out[o + 4] = 0, 0
  elseif algorithm == 'c' then
    out[o + 1], out[o + 2], out[o + 3], out[o + 4] = counter(KEYS[i], x, y, z)
  else
    out[o + 1], out[o + 2], out[o + 3], out[o + 4] = log(KEYS[i], x, y, z, tag .. i .. ':')
  end
end
return out
)lua";

struct Compiled
{
    QByteArray source;
    QByteArray sha1;
};

Compiled compile(std::initializer_list<const char *> parts)
{
    Compiled compiled;
    for (const char *part : parts)
        compiled.source += part;
    compiled.sha1 = QCryptographicHash::hash(compiled.source, QCryptographicHash::Sha1).toHex();
    return compiled;
}

const Compiled &compiled(Script script)
{
    static const std::array<Compiled, SCRIPT_COUNT> scripts {
        compile({PRELUDE, BUCKET, BUCKET_MAIN}),
        compile({PRELUDE, COUNTER, COUNTER_MAIN}),
        compile({PRELUDE, LOG, LOG_MAIN}),
        compile({PRELUDE, BUCKET, COUNTER, LOG, BATCH_MAIN}),
    };
    return scripts[std::size_t(script)];
}

} // namespace

const QByteArray &source(Script script)
{
    return compiled(script).source;
}

const QByteArray &sha1(Script script)
{
    return compiled(script).sha1;
}

} // namespace portcullis::ratelimit::redisscript
