#include "monitor/EventLog.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QStringBuilder>
#include <QStringList>
#include <QVariant>

#include "common/Clock.h"
#include "monitor/EventInsert.h"
#include "monitor/EventLogError.h"
#include "monitor/EventSelect.h"
#include "store/Database.h"
#include "store/Sql.h"

namespace portcullis::monitor {

namespace {

// SQLite page cache of the connection that appends, in KiB. A batch of up to 100,000 rows dirties a few thousand
// pages (the new table pages, the end of the time indexes, and one leaf per distinct subject in each subject index);
// with SQLite's default 2 MiB cache they spill into the WAL in mid-transaction and are written again, which cost about
// a third of the rate. SQLite takes the memory only as pages are used.
constexpr int APPEND_CACHE_KIB = 32 * 1024;
// SQLite's own default for wal_autocheckpoint, restored on a connection that appends with Checkpoints::OnCommit.
constexpr int SQLITE_AUTO_CHECKPOINT_PAGES = 1000;

const QString SELECT_COLUMNS = QStringLiteral("SELECT id, time_ms, type, severity, source, key_id, client_id, "
                                              "user_name, reason, route, detail, instance FROM security_events");

// The query's subject as the log stores subjects: normalized like an event's.
QString storedSubject(const QString &subject)
{
    SecurityEvent probe;
    probe.user = subject;
    return normalized(std::move(probe)).user;
}

std::optional<LoggedEvent> readRow(const QSqlQuery &row)
{
    const auto type = eventTypeFromName(row.value(2).toString());
    const auto severity = severityFromName(row.value(3).toString());
    if (!type || !severity)
        return std::nullopt; // written by a newer Portcullis
    LoggedEvent logged;
    logged.id = row.value(0).toLongLong();
    SecurityEvent &event = logged.event;
    event.timeMs = row.value(1).toLongLong();
    event.type = *type;
    event.severity = *severity;
    event.sourceAddress = row.value(4).toString();
    event.keyId = row.value(5).toString();
    event.clientId = row.value(6).toString();
    event.user = row.value(7).toString();
    event.reason = row.value(8).toString();
    event.route = row.value(9).toString();
    event.detail = row.value(10).toString();
    event.instanceId = row.value(11).toString();
    return logged;
}

Error invalid(const QString &detail)
{
    return Error(EventLogError::InvalidQuery, detail);
}

} // namespace

EventLog::EventLog(std::shared_ptr<store::Database> database, const Clock &clock)
    : m_database(std::move(database))
    , m_clock(clock)
{ }

Result<void> EventLog::append(const QList<SecurityEvent> &events, Checkpoints checkpoints) const
{
    if (events.isEmpty())
        return {};
    const store::Dialect dialect = m_database->dialect();
    if (dialect == store::Dialect::Sqlite) {
        // On this thread's connection only (the event log writer's thread, in the application); cheap to repeat.
        auto db = m_database->connection();
        if (!db)
            return db.error();
        if (auto sized = store::sql::run(*db, QStringLiteral("Sizing the event log's page cache"),
                                         u"PRAGMA cache_size=-" % QString::number(APPEND_CACHE_KIB));
            !sized)
            return sized.error();
        const int autoCheckpointPages = checkpoints == Checkpoints::OnCommit ? SQLITE_AUTO_CHECKPOINT_PAGES : 0;
        if (auto set = store::sql::run(*db, QStringLiteral("Choosing who checkpoints the event log"),
                                       u"PRAGMA wal_autocheckpoint=" % QString::number(autoCheckpointPages));
            !set)
            return set.error();
    }
    return m_database->transaction(
        [&events, dialect](const QSqlDatabase &db) { return insertEvents(db, dialect, events); });
}

Result<void> EventLog::checkpoint() const
{
    if (m_database->dialect() != store::Dialect::Sqlite)
        return {};
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto done = store::sql::run(*db, QStringLiteral("Copying the write-ahead log into the database"),
                                QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)"));
    if (!done)
        return done.error();
    return {};
}

Result<QList<LoggedEvent>> EventLog::query(const EventQuery &query) const
{
    qint64 lastId = 0;
    return fetch(query, lastId);
}

Result<EventSelect> eventSelect(const EventQuery &query)
{
    if (query.limit < 1 || query.limit > EventQuery::MAX_LIMIT)
        return invalid(u"An event query returns 1 to " % QString::number(EventQuery::MAX_LIMIT) % u" events, not "
                       % QString::number(query.limit) % u". Page through larger results with afterId.");
    if (query.sinceMs && query.untilMs && *query.sinceMs >= *query.untilMs)
        return invalid(QStringLiteral("The query's time range is empty: its start is not before its end."));
    if (query.afterId < 0 || query.beforeId < 0)
        return invalid(QStringLiteral("Event ids are positive; give 0 for no bound."));
    QStringList conditions;
    QVariantList values;
    if (query.sinceMs) {
        conditions << QStringLiteral("time_ms >= ?");
        values << *query.sinceMs;
    }
    if (query.untilMs) {
        conditions << QStringLiteral("time_ms < ?");
        values << *query.untilMs;
    }
    if (!query.types.isEmpty()) {
        QStringList marks;
        for (EventType type : query.types) {
            marks << QStringLiteral("?");
            values << eventTypeName(type);
        }
        conditions << u"type IN (" % marks.join(u", ") % u')';
    }
    if (!query.subject.isEmpty()) {
        conditions << QStringLiteral("(source = ? OR key_id = ? OR client_id = ? OR user_name = ?)");
        const QString subject = storedSubject(query.subject);
        values << subject << subject << subject << subject;
    }
    if (query.afterId > 0) {
        conditions << QStringLiteral("id > ?");
        values << query.afterId;
    }
    if (query.beforeId > 0) {
        conditions << QStringLiteral("id < ?");
        values << query.beforeId;
    }
    QString statement = SELECT_COLUMNS;
    if (!conditions.isEmpty())
        statement += u" WHERE " % conditions.join(QStringLiteral(" AND "));
    statement += query.order == EventQuery::Order::OldestFirst ? QStringLiteral(" ORDER BY id ASC LIMIT ?")
                                                               : QStringLiteral(" ORDER BY id DESC LIMIT ?");
    values << qint64(query.limit);
    return EventSelect {statement, values};
}

Result<QList<LoggedEvent>> EventLog::fetch(const EventQuery &query, qint64 &lastId) const
{
    auto select = eventSelect(query);
    if (!select)
        return select.error();
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto rows = store::sql::run(*db, QStringLiteral("Reading the event log"), select->statement, select->values);
    if (!rows)
        return rows.error();
    QList<LoggedEvent> events;
    while (rows->next()) {
        lastId = rows->value(0).toLongLong();
        if (auto logged = readRow(*rows))
            events.append(std::move(*logged));
    }
    return events;
}

Result<qint64> EventLog::forEach(const EventQuery &query, qsizetype pageSize,
                                 const std::function<Result<void>(const QList<LoggedEvent> &)> &page) const
{
    EventQuery next = query;
    next.limit = std::clamp<qsizetype>(pageSize, 1, EventQuery::MAX_LIMIT);
    qint64 handed = 0;
    for (;;) {
        qint64 lastId = 0;
        auto events = fetch(next, lastId);
        if (!events)
            return events.error();
        if (lastId == 0)
            return handed; // no rows left
        if (!events->isEmpty()) {
            if (auto done = page(*events); !done)
                return done.error();
            handed += events->size();
        }
        if (next.order == EventQuery::Order::OldestFirst)
            next.afterId = lastId;
        else
            next.beforeId = lastId;
    }
}

Result<qint64> EventLog::deleteChunks(const QString &statement, qint64 bound) const
{
    qint64 total = 0;
    for (;;) {
        qint64 deleted = 0;
        auto done = m_database->transaction([&](const QSqlDatabase &db) -> Result<void> {
            auto query
                = store::sql::run(db, QStringLiteral("Deleting old security events"), statement, {bound, PURGE_CHUNK});
            if (!query)
                return query.error();
            deleted = query->numRowsAffected();
            return {};
        });
        if (!done)
            return done.error();
        total += deleted;
        if (deleted < PURGE_CHUNK)
            return total;
    }
}

Result<qint64> EventLog::purge(const RetentionPolicy &policy) const
{
    if (policy.maxAge.count() < 0 || policy.maxRows < 0)
        return invalid(QStringLiteral("A retention policy's age and row count are positive, or 0 for no bound."));
    qint64 total = 0;
    if (policy.maxAge.count() > 0) {
        auto deleted = deleteChunks(QStringLiteral("DELETE FROM security_events WHERE id IN (SELECT id FROM "
                                                   "security_events WHERE time_ms < ? LIMIT ?)"),
                                    m_clock.unixMillis() - policy.maxAge.count());
        if (!deleted)
            return deleted.error();
        total += *deleted;
    }
    if (policy.maxRows > 0) {
        // The id of the oldest row to keep; everything below it goes.
        auto db = m_database->connection();
        if (!db)
            return db.error();
        auto boundary = store::sql::run(*db, QStringLiteral("Finding the oldest security event to keep"),
                                        QStringLiteral("SELECT id FROM security_events ORDER BY id DESC LIMIT 1 "
                                                       "OFFSET ?"),
                                        {policy.maxRows - 1});
        if (!boundary)
            return boundary.error();
        if (boundary->next()) {
            const qint64 keepFrom = boundary->value(0).toLongLong();
            boundary->finish();
            auto deleted = deleteChunks(QStringLiteral("DELETE FROM security_events WHERE id IN (SELECT id FROM "
                                                       "security_events WHERE id < ? ORDER BY id LIMIT ?)"),
                                        keepFrom);
            if (!deleted)
                return deleted.error();
            total += *deleted;
        }
    }
    return total;
}

Result<qint64> EventLog::count() const
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto query = store::sql::run(*db, QStringLiteral("Counting security events"),
                                 QStringLiteral("SELECT COUNT(*) FROM security_events"));
    if (!query)
        return query.error();
    if (!query->next())
        return qint64(0);
    return query->value(0).toLongLong();
}

} // namespace portcullis::monitor
