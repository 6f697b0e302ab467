#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <QString>

#include "apikeys/ApiKeyRepository.h"

namespace portcullis::apikeys {

// Collects key usage (count, last use, source address) in memory and writes it to the store in batches on a
// background thread, so validation never waits for a database write. Bounded: past MAX_PENDING distinct keys
// the oldest counts are dropped and counted in droppedCount(). Flushes once more when destroyed.
class UsageRecorder
{
public:
    static constexpr std::size_t MAX_PENDING = 200000;

    UsageRecorder(const ApiKeyRepository &repository, std::chrono::milliseconds interval);
    ~UsageRecorder();
    UsageRecorder(const UsageRecorder &) = delete;
    UsageRecorder &operator=(const UsageRecorder &) = delete;

    void record(const QString &id, qint64 atMs, QStringView source);
    // Writes what is pending now, on the calling thread.
    [[nodiscard]] Result<void> flush();
    [[nodiscard]] quint64 droppedCount() const;

private:
    struct Pending
    {
        qint64 count = 0;
        qint64 lastUsedAtMs = 0;
        QString lastUsedFrom;
    };

    void run(std::stop_token stop);

    const ApiKeyRepository &m_repository;
    const std::chrono::milliseconds m_interval;
    mutable std::mutex m_mutex;
    std::condition_variable_any m_wake;
    std::unordered_map<QString, Pending> m_pending;
    quint64 m_dropped = 0;
    std::mutex m_flushMutex;
    std::jthread m_thread;
};

} // namespace portcullis::apikeys
