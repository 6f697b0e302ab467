#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <QList>
#include <QString>

#include "common/Result.h"
#include "monitor/SecurityEvent.h"

namespace portcullis {
class Clock;
}

namespace portcullis::store {
class Database;
}

namespace portcullis::monitor {

// An event as the log holds it: with the row id the log gave it, which only grows (ids of purged rows are never
// given again), so "every event after id N" follows the log.
struct LoggedEvent
{
    qint64 id = 0;
    SecurityEvent event;
};

struct EventQuery
{
    enum class Order
    {
        OldestFirst, // by id, ascending: the order the events were written
        NewestFirst,
    };

    static constexpr qsizetype DEFAULT_LIMIT = 1000;
    static constexpr qsizetype MAX_LIMIT = 100'000;

    std::optional<qint64> sinceMs; // events at or after this time (ms since the epoch)
    std::optional<qint64> untilMs; // events before this time
    QList<EventType> types; // any of these; all types when empty
    QString subject; // a source address, key id, client id or user name, matched exactly against each
    qint64 afterId = 0; // only events with a larger id (following the log); 0: no bound
    qint64 beforeId = 0; // only events with a smaller id (paging backwards); 0: no bound
    qsizetype limit = DEFAULT_LIMIT; // 1 to MAX_LIMIT
    Order order = Order::OldestFirst;
};

// How long events are kept. Zero turns a bound off.
struct RetentionPolicy
{
    std::chrono::milliseconds maxAge = std::chrono::days(90);
    qint64 maxRows = 1'000'000;
};

// The security event log in the workspace's store (table security_events, SQLite or PostgreSQL). Rows hold what a
// normalized SecurityEvent holds, so never a secret. Thread-safe (each thread uses its own connection).
class EventLog
{
public:
    // Rows a purge deletes per transaction, so a large purge never holds the write lock for long.
    static constexpr qint64 PURGE_CHUNK = 10'000;

    // `clock` gives "now" for retention by age; it must outlive the log.
    EventLog(std::shared_ptr<store::Database> database, const Clock &clock);

    // Who copies SQLite's write-ahead log into the database file after an append. PostgreSQL has no such step.
    enum class Checkpoints
    {
        OnCommit, // SQLite's default: the appending thread, once the log passes 1000 pages
        ByCaller, // the caller runs checkpoint(), on another thread, so the appending thread never pays for it
    };

    // Writes the events in one transaction: all of them or, on an error, none.
    [[nodiscard]] Result<void> append(const QList<SecurityEvent> &events,
                                      Checkpoints checkpoints = Checkpoints::OnCommit) const;
    // Copies what SQLite's write-ahead log holds into the database file: a passive checkpoint, which never waits for
    // a writer or blocks one. Nothing to do on PostgreSQL.
    [[nodiscard]] Result<void> checkpoint() const;

    // EventLogError::InvalidQuery for a limit outside 1..MAX_LIMIT, an empty time range, or negative ids.
    [[nodiscard]] Result<QList<LoggedEvent>> query(const EventQuery &query) const;

    // Every event matching `query` (its limit ignored), `pageSize` rows at a time in id order, each page handed to
    // `page` and then let go, so memory stays bounded however many rows match. Stops at `page`'s first error.
    // Returns the number of events handed over.
    [[nodiscard]] Result<qint64> forEach(const EventQuery &query, qsizetype pageSize,
                                         const std::function<Result<void>(const QList<LoggedEvent> &)> &page) const;

    // Deletes events older than maxAge and, beyond the newest maxRows, the oldest, PURGE_CHUNK rows per transaction.
    // Returns the number deleted.
    [[nodiscard]] Result<qint64> purge(const RetentionPolicy &policy) const;

    [[nodiscard]] Result<qint64> count() const;

private:
    // One page; `lastId` receives the id of the last row read (also of a row skipped as unreadable).
    Result<QList<LoggedEvent>> fetch(const EventQuery &query, qint64 &lastId) const;
    Result<qint64> deleteChunks(const QString &statement, qint64 bound) const;

    std::shared_ptr<store::Database> m_database;
    const Clock &m_clock;
};

} // namespace portcullis::monitor
