#include "ratelimit/RedisScript.h"

#include <QCryptographicHash>

namespace portcullis::ratelimit::redisscript {

namespace {

// Lua 5.1 numbers are doubles: every value here stays an exact integer below 2^53 (times in microseconds, spans in
// nanoseconds up to 31 days, counts up to 1e9). Products of a count and a window in ms (sliding counter) pass 2^53
// only for limit x window above 9e15 (more than 3.3 million per 31 days), where a decision at the exact boundary
// may round. Numbers sent back to Redis go through string.format('%d'), since Lua prints large ones as 1.7e+15.
constexpr char SCRIPT[] = R"lua(
local floor, fmt, sub, call, tonumber = math.floor, string.format, string.sub, redis.call, tonumber
local now = ARGV[1]
if now == '' then
  local t = call('TIME')
  now = t[1] * 1000000 + t[2]
else
  now = tonumber(now)
end
local tag = ARGV[2]

-- floor(a / b) for integers, exact where a / b in doubles rounds.
local function idiv(a, b)
  local q = floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end

local function bucket(key, cost, burst, interval, windowMs)
  local tolerance = burst * interval
  local diff = 0 -- TAT - now in ns; the value is the TAT in ns since the epoch, as digits
  local v = call('GET', key)
  if v then
    diff = (tonumber(sub(v, 1, -4)) - now) * 1000 + tonumber(sub(v, -3))
    if diff < 0 then diff = 0 elseif diff > tolerance then diff = tolerance end
  end
  if cost > burst then
    return 0, 1, idiv(tolerance - diff, interval), diff, windowMs * 1000000
  end
  local tat = diff + cost * interval
  if tat > tolerance then
    return 0, 0, idiv(tolerance - diff, interval), diff, tat - tolerance
  end
  local us = idiv(tat, 1000)
  call('SET', key, fmt('%d%03d', now + us, tat - us * 1000), 'PX', idiv(tat + 999999, 1000000))
  return 1, 0, idiv(tolerance - tat, interval), tat, 0
end

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
  local elapsedNs = (now - start) * 1000
  local elapsedMs = idiv(now - start, 1000)
  local limitScaled = limit * windowMs
  local previousScaled = previous * (windowMs - elapsedMs)
  local allowed, exceeds, retry = 0, 0, 0
  if cost > limit then
    exceeds, retry = 1, windowMs * 1000000
  elseif previousScaled + (current + cost) * windowMs <= limitScaled then
    allowed, current = 1, current + cost
    call('SET', key, fmt('%d:%d:%d', start, current, previous), 'PX', idiv(start + 2 * w - now + 999, 1000))
  elseif current + cost <= limit then
    -- later in this window, once the previous window weighs little enough
    retry = (windowMs - idiv((limit - current - cost) * windowMs, previous)) * 1000000 - elapsedNs
    if retry < 1000000 then retry = 1000000 end
  else
    -- in the next window, where this window's count is the weighted one
    retry = windowMs * 1000000 - elapsedNs + (windowMs - idiv((limit - cost) * windowMs, current)) * 1000000
  end
  local remaining = idiv(limitScaled - previousScaled - current * windowMs, windowMs)
  if remaining < 0 then remaining = 0 end
  local reset = 0
  if current > 0 then reset = (start + 2 * w - now) * 1000 elseif previous > 0 then reset = (start + w - now) * 1000 end
  return allowed, exceeds, remaining, reset, retry
end

local function newestResetAfter(key, w)
  local e = call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if e[2] then return (tonumber(e[2]) + w - now) * 1000 end
  return 0
end

local function log(key, cost, limit, windowMs, i)
  local w = windowMs * 1000
  call('ZREMRANGEBYSCORE', key, '-inf', fmt('%d', now - w))
  local count = call('ZCARD', key)
  if cost > limit then
    local remaining = limit - count
    if remaining < 0 then remaining = 0 end
    return 0, 1, remaining, newestResetAfter(key, w), windowMs * 1000000
  end
  if count + cost <= limit then
    local score, prefix = fmt('%d', now), tag .. i .. ':'
    local args, n = {'ZADD', key}, 2
    for unit = 1, cost do
      args[n + 1], args[n + 2], n = score, prefix .. unit, n + 2
      if n >= 2000 or unit == cost then
        call(unpack(args, 1, n))
        n = 2
      end
    end
    call('PEXPIRE', key, windowMs)
    return 1, 0, limit - count - cost, w * 1000, 0
  end
  local e = call('ZRANGE', key, count + cost - limit - 1, count + cost - limit - 1, 'WITHSCORES')
  local remaining = limit - count
  if remaining < 0 then remaining = 0 end
  return 0, 0, remaining, newestResetAfter(key, w), (tonumber(e[2]) + w - now) * 1000
end

local out = {}
for i = 1, #KEYS do
  local a = 2 + (i - 1) * 6
  local algorithm, cost, limit, windowMs = ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local o = (i - 1) * 5
  if algorithm == 'b' then
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] =
      bucket(KEYS[i], cost, tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]), windowMs)
  elseif algorithm == 'c' then
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = counter(KEYS[i], cost, limit, windowMs)
  else
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = log(KEYS[i], cost, limit, windowMs, i)
  end
end
return out
)lua";

} // namespace

const QByteArray &source()
{
    static const QByteArray text = QByteArray::fromRawData(SCRIPT, sizeof SCRIPT - 1);
    return text;
}

const QByteArray &sha1()
{
    static const QByteArray hash = QCryptographicHash::hash(source(), QCryptographicHash::Sha1).toHex();
    return hash;
}

} // namespace portcullis::ratelimit::redisscript
