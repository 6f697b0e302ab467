#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringView>

#include "common/Result.h"
#include "monitor/SecurityEvent.h"
#include "ratelimit/RedisConnection.h"

namespace portcullis {
class Clock;
}

namespace portcullis::ratelimit {
class ReconnectBackoff;
}

namespace portcullis::monitor {

// Publishes security events to a Redis stream, so a console elsewhere can watch this instance (EventStreamReader).
// Each event is one entry, XADD <key> MAXLEN ~ <maxLength> * e <compact JSON> (EventStream.h); a batch is one
// pipelined round trip (split every MAX_BATCH events). MAXLEN ~ lets Redis trim in whole nodes, so the stream holds
// about maxLength entries, never much fewer; exactTrim trims to exactly maxLength at some cost.
//
// Built to be an event bus subscriber, called with batches from one delivery thread (publish() is also safe from
// several threads: calls are serialized). It never blocks for long: every command is bounded by the connection's
// timeouts, and while Redis is down the shared reconnect backoff makes a publish fail at once.
//
// Failures: a batch that cannot be sent is kept, up to maxPending events, and sent again, before newer events, with
// the next publish() (or retryPending(), for a caller with a timer); past maxPending the oldest waiting events are
// dropped and counted. An event that Redis refuses (an error reply: the key holds another type, out of memory) is
// dropped and counted at once: sending it again would not help. A batch whose send timed out may have reached Redis,
// so sending it again can store it twice: delivery is at least once for what fits in maxPending.
//
// Health: the handler is told once when publishing starts failing (healthy = false, with the reason) and once when it
// works again (healthy = true), so the composition root can put a StoreDegraded / StoreRecovered event on the bus. It
// is called on the publishing thread, after the publisher's lock is released. Those events come back here as
// ordinary events, and that cannot loop: a report is made only when the state changes, so an event published while
// Redis is down waits in the pending queue (or is dropped) without a new report, and the StoreDegraded event itself
// reaches the stream once Redis is back. A handler that calls publish() directly costs one more bounded attempt, no
// more; posting the event to the bus is better.
class EventStreamPublisher
{
public:
    using HealthHandler = std::function<void(bool healthy, const QString &reason)>;

    struct Options
    {
        QString key = QStringLiteral("portcullis:events");
        qint64 maxLength = 100'000; // entries kept in the stream (about, unless exactTrim)
        bool exactTrim = false;
        qsizetype maxPending = 1000; // events kept for another attempt after a failed send; 0: drop at once
        ratelimit::RedisConnection::Options connection {std::chrono::milliseconds(250), std::chrono::milliseconds(500)};
        std::chrono::milliseconds backoffInitial {100};
        std::chrono::milliseconds backoffMax {5000};
    };

    struct Stats
    {
        qint64 published = 0; // events Redis accepted
        qint64 dropped = 0; // events lost: refused by Redis, or pushed out of a full pending queue
        qint64 failedSends = 0; // round trips that failed (Redis down, timed out, connection lost)
        qsizetype pending = 0; // events waiting for another attempt now
        bool healthy = true;
    };

    static constexpr qint64 MIN_LENGTH = 1;
    static constexpr qint64 MAX_LENGTH = 100'000'000;
    static constexpr qsizetype MAX_PENDING = 1'000'000;
    static constexpr qsizetype MAX_BATCH = 1000;

    // Parses the URL (ratelimit/RedisEndpoint.h) and checks the options; connects on the first publish. `clock`
    // (for the reconnect backoff) must outlive the publisher. `onHealth` may be empty.
    [[nodiscard]] static Result<std::unique_ptr<EventStreamPublisher>>
    create(QStringView url, const Clock &clock, Options options, HealthHandler onHealth = {});
    ~EventStreamPublisher();
    EventStreamPublisher(const EventStreamPublisher &) = delete;
    EventStreamPublisher &operator=(const EventStreamPublisher &) = delete;

    // Sends the waiting events, then these, in order.
    void publish(const QList<SecurityEvent> &events);
    // Sends the waiting events, if any.
    void retryPending();

    [[nodiscard]] Stats stats() const;
    [[nodiscard]] bool isHealthy() const { return m_healthy.load(); }
    [[nodiscard]] const QByteArray &key() const { return m_key; }
    // The server, without credentials.
    [[nodiscard]] QString description() const;

private:
    EventStreamPublisher(std::unique_ptr<ratelimit::RedisConnection> connection,
                         std::shared_ptr<ratelimit::ReconnectBackoff> backoff, QByteArray key, Options options,
                         HealthHandler onHealth);
    // Sends what is pending; returns the health report to make, if the state changed (under m_mutex).
    [[nodiscard]] std::optional<std::pair<bool, QString>> sendPending();
    [[nodiscard]] std::optional<QString> sendChunk(qsizetype count, qsizetype &accepted);
    void trimPending();
    void report(const std::optional<std::pair<bool, QString>> &change);

    std::shared_ptr<ratelimit::ReconnectBackoff> m_backoff;
    std::unique_ptr<ratelimit::RedisConnection> m_connection;
    const QByteArray m_key;
    const QByteArray m_maxLength;
    const Options m_options;
    const HealthHandler m_onHealth;

    mutable std::mutex m_mutex; // the connection and the pending queue
    std::deque<QByteArray> m_pending; // encoded events, oldest first
    std::atomic<qint64> m_published {0};
    std::atomic<qint64> m_dropped {0};
    std::atomic<qint64> m_failedSends {0};
    std::atomic<qsizetype> m_pendingCount {0};
    std::atomic<bool> m_healthy {true};
};

} // namespace portcullis::monitor
