#include "ratelimit/KeyState.h"

namespace portcullis::ratelimit {

namespace {

constexpr qint64 INITIAL_LOG_CAPACITY = 4;

} // namespace

void TimestampLog::dropUpTo(qint64 cutoffNs)
{
    while (m_size > 0 && at(0) <= cutoffNs) {
        m_head = (m_head + 1) % m_capacity;
        --m_size;
    }
}

void TimestampLog::append(qint64 timeNs, qint64 count, qint64 maxEntries)
{
    Q_ASSERT(m_size + count <= maxEntries);
    if (m_size + count > m_capacity) {
        qint64 capacity = std::max(m_capacity, INITIAL_LOG_CAPACITY);
        while (capacity < m_size + count)
            capacity *= 2;
        capacity = std::max(std::min(capacity, maxEntries), m_size + count);
        auto entries = std::make_unique<qint64[]>(std::size_t(capacity));
        for (qint64 i = 0; i < m_size; ++i)
            entries[std::size_t(i)] = at(i);
        m_entries = std::move(entries);
        m_capacity = capacity;
        m_head = 0;
    }
    for (qint64 i = 0; i < count; ++i)
        m_entries[std::size_t((m_head + m_size + i) % m_capacity)] = timeNs;
    m_size += count;
}

void TimestampLog::clear()
{
    m_entries.reset();
    m_capacity = m_head = m_size = 0;
}

void KeyState::reset(Algorithm newAlgorithm)
{
    algorithm = newAlgorithm;
    recoveredAtNs = tatNs = windowStartNs = currentCount = previousCount = 0;
    log.clear();
}

} // namespace portcullis::ratelimit
