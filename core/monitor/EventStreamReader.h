#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringView>

#include "common/Result.h"
#include "monitor/EventStream.h"
#include "ratelimit/RedisConnection.h"

namespace portcullis {
class Clock;
}

namespace portcullis::ratelimit {
class ReconnectBackoff;
class RedisEndpoint;
} // namespace portcullis::ratelimit

namespace portcullis::monitor {

// Reads security events from a Redis stream that one or more instances publish to (EventStreamPublisher), on a
// thread of its own with a connection of its own (a blocking read holds its connection):
//     XREAD COUNT <count> BLOCK <block ms> STREAMS <key> <last id>
// in a loop, so a console can watch several headless instances; each event says which instance saw it
// (SecurityEvent::instanceId), and the reader can keep only one instance's events.
//
// Where it starts: "$" means the events added from the moment the reader first reaches Redis: it asks for the
// stream's newest id then (lastId() shows "$" until it has), so a reconnect later misses nothing. "0" means every
// event the stream still holds; a stream id a caller saved from lastId() means the events after it.
//
// Resuming: lastId() is the id of the last entry handled (delivered, skipped or filtered out), and every read asks
// for the entries after it, so after a dropped connection, a server restart or a Redis error the reader continues
// where it stopped: nothing is delivered twice, and nothing is missed that Redis still holds (MAXLEN trimming or a
// restart without persistence can remove entries it had not read yet).
//
// Delivery: each read's events go to the batch handler in stream order, with their ids, on the reader thread; the
// handler should return promptly (a console posts them to its own thread). An entry that is not an event (other
// fields, invalid JSON, an unknown type, larger than eventstream::MAX_ENTRY_BYTES) is skipped and counted.
// Memory: at most `count` entries per read, each reply bounded by RedisConnection's limits.
//
// Health: the health handler (optional) is told, on the reader thread, each time reading starts working (the first
// time included) and each time it stops working, with the reason.
//
// stop() returns within about the block time (default 500 ms), or the connect timeout if a connection is being
// made. It may be called from the handlers, where it only asks the thread to end (the destructor waits for it).
class EventStreamReader
{
public:
    using BatchHandler = std::function<void(const QList<eventstream::StreamEntry> &entries)>;
    using HealthHandler = std::function<void(bool healthy, const QString &reason)>;

    struct Options
    {
        QString key = QStringLiteral("portcullis:events");
        QString startId = QStringLiteral("$");
        QString instance; // only events from this instance; empty: all
        std::chrono::milliseconds block {500};
        int count = 100; // entries per read at most
        // The command timeout is how long a reply may take beyond the block time.
        ratelimit::RedisConnection::Options connection {std::chrono::milliseconds(500),
                                                        std::chrono::milliseconds(1000)};
        std::chrono::milliseconds backoffInitial {100};
        std::chrono::milliseconds backoffMax {5000};
        std::chrono::milliseconds errorDelay {1000}; // after Redis answers with an error (the key is not a stream)
    };

    struct Stats
    {
        qint64 delivered = 0; // events handed to the batch handler
        qint64 skipped = 0; // entries that were not events
        qint64 filtered = 0; // events from other instances
        qint64 reconnects = 0; // connections made after the first
        qint64 errors = 0; // failed reads (connection failures and error replies)
        bool healthy = false; // the last read worked
    };

    static constexpr int MAX_COUNT = 1000;
    static constexpr std::chrono::milliseconds MIN_BLOCK {10};
    static constexpr std::chrono::milliseconds MAX_BLOCK {10'000};

    // Parses the URL (ratelimit/RedisEndpoint.h) and checks the options; start() begins reading. `clock` (for the
    // reconnect backoff) must outlive the reader.
    [[nodiscard]] static Result<std::unique_ptr<EventStreamReader>>
    create(QStringView url, const Clock &clock, Options options, BatchHandler onBatch, HealthHandler onHealth = {});
    // Stops the thread and waits for it.
    ~EventStreamReader();
    EventStreamReader(const EventStreamReader &) = delete;
    EventStreamReader &operator=(const EventStreamReader &) = delete;

    // Starts the reader thread; returns at once. A second call does nothing.
    void start();
    // Ends the thread and waits for it (except from a handler: see above). It does not start again.
    void stop();

    // The id of the last entry handled, or the start id before the first: what to save to resume later.
    [[nodiscard]] QByteArray lastId() const;
    [[nodiscard]] Stats stats() const;
    [[nodiscard]] QString description() const;

private:
    struct Outcome;

    EventStreamReader(std::shared_ptr<const ratelimit::RedisEndpoint> endpoint, const Clock &clock, QByteArray key,
                      QByteArray startId, Options options, BatchHandler onBatch, HealthHandler onHealth);
    void run();
    [[nodiscard]] Outcome step(ratelimit::RedisConnection &connection);
    [[nodiscard]] Outcome resolveStart(ratelimit::RedisConnection &connection);
    [[nodiscard]] Outcome readOnce(ratelimit::RedisConnection &connection);
    // The outcome of a command that failed or got an error reply; nullopt for a reply to look at.
    [[nodiscard]] std::optional<Outcome> failure(const Result<ratelimit::RedisReply> &reply) const;
    [[nodiscard]] Outcome deliver(const ratelimit::RedisReply &entries);
    void setHealthy(bool healthy, const QString &reason);
    void pause(std::chrono::milliseconds delay);
    void setLastId(const QByteArray &id);

    std::shared_ptr<const ratelimit::RedisEndpoint> m_endpoint;
    std::shared_ptr<ratelimit::ReconnectBackoff> m_backoff;
    const QByteArray m_key;
    const Options m_options;
    const QByteArray m_count;
    const QByteArray m_block;
    const BatchHandler m_onBatch;
    const HealthHandler m_onHealth;

    mutable std::mutex m_idMutex;
    QByteArray m_lastId;

    std::mutex m_wakeMutex;
    std::condition_variable m_wake;
    std::atomic<bool> m_stopping {false};
    std::mutex m_threadMutex;
    std::thread m_thread;
    std::atomic<std::thread::id> m_threadId {}; // the reader thread's while it runs

    std::atomic<qint64> m_delivered {0};
    std::atomic<qint64> m_skipped {0};
    std::atomic<qint64> m_filtered {0};
    std::atomic<qint64> m_reconnects {0};
    std::atomic<qint64> m_errors {0};
    std::atomic<bool> m_healthy {false};
    bool m_reported = false; // the reader thread's: whether a health report was made yet
};

} // namespace portcullis::monitor
