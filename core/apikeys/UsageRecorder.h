#pragma once

#include <array>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "apikeys/ApiKeyRepository.h"
#include "apikeys/KeyIndex.h"

namespace portcullis::apikeys {

// Counts key usage (uses, last use, source address) in the key index's own counters, and writes what changed to
// the store in batches on a background thread, so validation never waits for a database write and never
// allocates for it. Flushes once more when destroyed.
class UsageRecorder
{
public:
    UsageRecorder(const ApiKeyRepository &repository, std::chrono::milliseconds interval);
    ~UsageRecorder();
    UsageRecorder(const UsageRecorder &) = delete;
    UsageRecorder &operator=(const UsageRecorder &) = delete;

    void record(KeyIndex::Usage &usage, qint64 atMs, const QString &source);
    // Writes what is pending now, on the calling thread.
    [[nodiscard]] Result<void> flush();

private:
    static constexpr std::size_t STRIPES = 64;

    std::mutex &stripeFor(const KeyIndex::Usage &usage);
    void markDirty(KeyIndex::Usage &usage);
    void run(std::stop_token stop);

    const ApiKeyRepository &m_repository;
    const std::chrono::milliseconds m_interval;
    std::array<std::mutex, STRIPES> m_stripes; // guard each Usage's lastFrom
    std::mutex m_dirtyMutex;
    std::vector<KeyIndex::Usage *> m_dirty; // used since the last flush
    std::mutex m_flushMutex;
    std::condition_variable_any m_wake;
    std::jthread m_thread;
};

} // namespace portcullis::apikeys
