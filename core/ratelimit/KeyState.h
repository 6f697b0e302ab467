#pragma once

#include <memory>

#include <QtGlobal>

#include "ratelimit/RateLimitPolicy.h"

namespace portcullis::ratelimit {

// The timestamps of a sliding log, oldest first, in a ring that grows by doubling up to the policy's limit:
// a key never holds more than `limit` entries.
class TimestampLog
{
public:
    [[nodiscard]] qint64 size() const { return m_size; }
    [[nodiscard]] qint64 capacity() const { return m_capacity; }
    // The i-th oldest entry; 0 <= i < size().
    [[nodiscard]] qint64 at(qint64 i) const { return m_entries[std::size_t((m_head + i) % m_capacity)]; }
    [[nodiscard]] qint64 newest() const { return at(m_size - 1); }

    // Drops the entries at or before `cutoffNs`.
    void dropUpTo(qint64 cutoffNs);
    // Appends `count` entries at `timeNs`; the caller keeps size() + count <= maxEntries.
    void append(qint64 timeNs, qint64 count, qint64 maxEntries);
    void clear();

private:
    std::unique_ptr<qint64[]> m_entries;
    qint64 m_capacity = 0;
    qint64 m_head = 0;
    qint64 m_size = 0;
};

// What one key's limiter remembers. Only the fields of the key's algorithm are in use.
struct KeyState
{
    Algorithm algorithm = Algorithm::SlidingCounter;
    qint64 recoveredAtNs = 0; // from then on the key is as if it had never been seen, and can be dropped
    qint64 tatNs = 0; // token bucket: theoretical arrival time of the next request
    qint64 windowStartNs = 0; // sliding counter: start of the current fixed window
    qint64 currentCount = 0; // sliding counter: units counted in the current window
    qint64 previousCount = 0; // sliding counter: units counted in the window before
    TimestampLog log; // sliding log

    // Forgets everything and starts over for `algorithm` (a policy of the same name may have changed).
    void reset(Algorithm newAlgorithm);
};

} // namespace portcullis::ratelimit
