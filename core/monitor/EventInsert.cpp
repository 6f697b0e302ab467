#include "monitor/EventInsert.h"

#include <sqlite3.h>

#include <QByteArray>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringEncoder>
#include <QVariant>

#include "store/Sql.h"
#include "store/SqliteHandle.h"

namespace portcullis::monitor {

namespace {

// Rows per INSERT statement: one round trip per 64 rows on PostgreSQL, 704 parameters (far below either limit).
constexpr qsizetype ROWS_PER_INSERT = 64;
constexpr int COLUMNS = 11;

const QString DOING = QStringLiteral("Writing security events to the log");

// SQLite gets INSERT OR FAIL rather than a plain INSERT (OR ABORT). A multi-row INSERT that may abort must undo its
// own earlier rows, so SQLite copies every page the statement touches into a statement journal first; for 64 rows
// across the table and its indexes that copying cost more than the insert itself. FAIL keeps a failing statement's
// earlier rows instead, which changes nothing here: every statement runs in the caller's transaction, which rolls
// back on any error, so a failed append still writes no row. PostgreSQL has no OR FAIL (and no such journal).
QString insertStatement(store::Dialect dialect, qsizetype rows)
{
    QString statement = dialect == store::Dialect::Sqlite ? QStringLiteral("INSERT OR FAIL") : QStringLiteral("INSERT");
    statement += QStringLiteral(" INTO security_events (time_ms, type, severity, source, key_id, client_id, "
                                "user_name, reason, route, detail, instance) VALUES ");
    const QString row = QStringLiteral("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (qsizetype i = 0; i < rows; ++i) {
        if (i > 0)
            statement += u", ";
        statement += row;
    }
    return statement;
}

// --- Qt's binding (PostgreSQL, or a SQLite driver on another SQLite build) ---

// A subject column: NULL when the event has no such subject, so the partial indexes leave the row out.
QVariant subject(const QString &value)
{
    return value.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(value);
}

// A text column: never NULL. Qt binds a null QString as NULL, and an event's empty fields are null strings.
QVariant text(const QString &value)
{
    return value.isNull() ? QVariant(QStringLiteral("")) : QVariant(value);
}

void bindEvent(QSqlQuery &query, const SecurityEvent &event)
{
    query.addBindValue(event.timeMs);
    query.addBindValue(eventTypeName(event.type));
    query.addBindValue(severityName(event.severity));
    query.addBindValue(subject(event.sourceAddress));
    query.addBindValue(subject(event.keyId));
    query.addBindValue(subject(event.clientId));
    query.addBindValue(subject(event.user));
    query.addBindValue(text(event.reason));
    query.addBindValue(text(event.route));
    query.addBindValue(text(event.detail));
    query.addBindValue(text(event.instanceId));
}

Result<void> insertThroughQt(const QSqlDatabase &db, store::Dialect dialect, const QList<SecurityEvent> &events)
{
    QSqlQuery full(db);
    bool fullPrepared = false;
    for (qsizetype from = 0; from < events.size(); from += ROWS_PER_INSERT) {
        const qsizetype rows = std::min(ROWS_PER_INSERT, events.size() - from);
        QSqlQuery partial(db);
        QSqlQuery &query = rows == ROWS_PER_INSERT ? full : partial;
        if (rows < ROWS_PER_INSERT || !fullPrepared) {
            if (!query.prepare(insertStatement(dialect, rows)))
                return store::sql::errorFrom(query.lastError(), DOING);
            fullPrepared = fullPrepared || rows == ROWS_PER_INSERT;
        }
        for (qsizetype i = from; i < from + rows; ++i)
            bindEvent(query, events[i]);
        if (!query.exec())
            return store::sql::errorFrom(query.lastError(), DOING);
    }
    return {};
}

// --- SQLite's own binding ---

// One statement's text values as UTF-8 in one buffer, all encoded before the first is bound, so the pointers SQLite
// is given (SQLITE_STATIC: not copied) stay put until the statement has run.
class Utf8Values
{
public:
    void clear()
    {
        m_bytes.clear();
        m_spans.clear();
    }
    void add(QStringView value)
    {
        const qsizetype at = m_bytes.size();
        m_bytes.resize(at + value.size() * 3); // UTF-8 needs at most 3 bytes per UTF-16 unit
        QStringEncoder encoder(QStringEncoder::Utf8);
        const char *end = encoder.appendToBuffer(m_bytes.data() + at, value);
        const qsizetype size = end - (m_bytes.constData() + at);
        m_bytes.resize(at + size);
        m_spans.append({at, int(size)});
    }
    [[nodiscard]] int bind(sqlite3_stmt *statement, int column, qsizetype value, bool nullWhenEmpty) const
    {
        const auto [at, size] = m_spans[value];
        if (size == 0 && nullWhenEmpty)
            return sqlite3_bind_null(statement, column);
        return sqlite3_bind_text(statement, column, m_bytes.constData() + at, size, SQLITE_STATIC);
    }

private:
    QByteArray m_bytes;
    QList<std::pair<qsizetype, int>> m_spans;
};

class Statement
{
public:
    Statement() = default;
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    ~Statement() { sqlite3_finalize(m_statement); }

    [[nodiscard]] bool prepare(sqlite3 *db, const QString &text)
    {
        sqlite3_finalize(m_statement);
        m_statement = nullptr;
        const QByteArray utf8 = text.toUtf8();
        return sqlite3_prepare_v2(db, utf8.constData(), int(utf8.size()), &m_statement, nullptr) == SQLITE_OK;
    }
    [[nodiscard]] sqlite3_stmt *get() const { return m_statement; }

private:
    sqlite3_stmt *m_statement = nullptr;
};

Error sqliteError(sqlite3 *db)
{
    return store::sql::errorFromSqlite(sqlite3_extended_errcode(db), QString::fromUtf8(sqlite3_errmsg(db)), DOING);
}

// Binds rows [from, from + rows) to `statement` and runs it once.
Result<void> insertRowsSqlite(sqlite3 *db, sqlite3_stmt *statement, const QList<SecurityEvent> &events, qsizetype from,
                              qsizetype rows, Utf8Values &values)
{
    constexpr int TEXT_COLUMNS = COLUMNS - 1;
    values.clear();
    for (qsizetype i = from; i < from + rows; ++i) {
        const SecurityEvent &event = events[i];
        values.add(eventTypeName(event.type));
        values.add(severityName(event.severity));
        values.add(event.sourceAddress);
        values.add(event.keyId);
        values.add(event.clientId);
        values.add(event.user);
        values.add(event.reason);
        values.add(event.route);
        values.add(event.detail);
        values.add(event.instanceId);
    }
    int column = 1;
    qsizetype value = 0;
    for (qsizetype i = from; i < from + rows; ++i) {
        if (sqlite3_bind_int64(statement, column++, events[i].timeMs) != SQLITE_OK)
            return sqliteError(db);
        for (int field = 0; field < TEXT_COLUMNS; ++field) {
            const bool isSubject = field >= 2 && field <= 5; // source, key_id, client_id, user_name
            if (values.bind(statement, column++, value++, isSubject) != SQLITE_OK)
                return sqliteError(db);
        }
    }
    const int stepped = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (stepped != SQLITE_DONE)
        return sqliteError(db);
    return {};
}

Result<void> insertThroughSqlite(sqlite3 *db, const QList<SecurityEvent> &events)
{
    Statement full, partial;
    Utf8Values values;
    for (qsizetype from = 0; from < events.size(); from += ROWS_PER_INSERT) {
        const qsizetype rows = std::min(ROWS_PER_INSERT, events.size() - from);
        Statement &statement = rows == ROWS_PER_INSERT ? full : partial;
        if (!statement.get() && !statement.prepare(db, insertStatement(store::Dialect::Sqlite, rows)))
            return sqliteError(db);
        if (auto inserted = insertRowsSqlite(db, statement.get(), events, from, rows, values); !inserted)
            return inserted.error();
    }
    return {};
}

} // namespace

Result<void> insertEvents(const QSqlDatabase &db, store::Dialect dialect, const QList<SecurityEvent> &events)
{
    if (dialect == store::Dialect::Sqlite) {
        if (sqlite3 *handle = store::sqliteHandle(db))
            return insertThroughSqlite(handle, events);
    }
    return insertThroughQt(db, dialect, events);
}

} // namespace portcullis::monitor
