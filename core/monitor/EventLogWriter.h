#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "monitor/EventBus.h"
#include "monitor/EventLog.h"

namespace portcullis::monitor {

// Writes what the bus carries into the event log, in batches on the bus's subscriber thread, and applies the
// retention policy at start and then periodically on a thread of its own. On SQLite a third thread copies the
// write-ahead log into the database file after each batch (EventLog::checkpoint), work that would otherwise fall on
// the writing thread at every commit and cost it about a third of its rate.
//
// A batch that fails is tried again a few times with a growing pause; then it is dropped and counted, and the writer
// publishes one StoreDegraded event (and one StoreRecovered once a batch is written again), so an outage is visible
// on the other subscribers while the bus itself never waits for the store.
class EventLogWriter
{
public:
    struct Options
    {
        RetentionPolicy retention; // default: 90 days, 1,000,000 rows
        std::chrono::milliseconds retentionInterval = std::chrono::minutes(10);
        int attempts = 3; // per batch
        std::chrono::milliseconds firstBackoff {100}; // doubled after each failed attempt
        // Batches, one transaction each, at most ten a second: a commit writes every index page the batch touched,
        // so rows per commit is what sets the rate SQLite sustains (at 100k/s, about 10,000 rows a commit; on SQLite
        // about 110k rows/s, one core, with the checkpoints on their own thread). A log that falls behind gets larger
        // batches, up to 100,000 rows, which it writes faster per row; one that keeps up is a tenth of a second behind.
        SubscriberOptions subscription {250'000, 100'000, std::chrono::milliseconds(100), false};
    };

    struct Stats
    {
        quint64 written = 0;
        quint64 lost = 0; // events in batches dropped after every attempt failed
        quint64 failedAttempts = 0;
        quint64 purged = 0;
        quint64 purges = 0; // retention runs that succeeded
        quint64 checkpoints = 0; // checkpoints that succeeded (each after one or more written batches)
        bool degraded = false;
    };

    // `bus` and `log` must outlive the writer.
    EventLogWriter(EventBus &bus, const EventLog &log, Options options);
    EventLogWriter(EventBus &bus, const EventLog &log)
        : EventLogWriter(bus, log, Options {})
    { }
    // Writes what the bus already carried (waiting up to a few seconds), then unsubscribes.
    ~EventLogWriter();
    EventLogWriter(const EventLogWriter &) = delete;
    EventLogWriter &operator=(const EventLogWriter &) = delete;

    [[nodiscard]] Stats stats() const;

private:
    void write(const EventBatch &batch);
    void runRetention(std::stop_token stop);
    void runCheckpoints(std::stop_token stop);
    // Waits `pause` unless the writer is being destroyed; false then.
    bool pauseUnlessStopping(std::chrono::milliseconds pause);

    EventBus &m_bus;
    const EventLog &m_log;
    const Options m_options;
    mutable std::mutex m_mutex;
    std::condition_variable_any m_stopWake;
    bool m_stopping = false; // guarded by m_mutex
    Stats m_stats; // guarded by m_mutex
    quint64 m_lostBefore = 0; // guarded by m_mutex; m_stats.lost when the current outage began
    SubscriptionId m_subscription = 0;
    std::condition_variable_any m_checkpointWake;
    bool m_checkpointDue = false; // guarded by m_mutex: a batch was written since the last checkpoint
    std::jthread m_retention;
    std::jthread m_checkpoints;
};

} // namespace portcullis::monitor
