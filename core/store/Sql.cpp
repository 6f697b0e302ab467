#include "store/Sql.h"

#include <QSqlDriver>
#include <QSqlError>
#include <QStringBuilder>

#include "store/StoreError.h"

namespace portcullis::store::sql {

namespace {

// SQLite primary result codes (sqlite3.h) and PostgreSQL SQLSTATEs the store tells apart.
constexpr int SQLITE_BUSY_CODE = 5;
constexpr int SQLITE_LOCKED_CODE = 6;
constexpr int SQLITE_CORRUPT_CODE = 11;
constexpr int SQLITE_CANTOPEN_CODE = 14;
constexpr int SQLITE_CONSTRAINT_CODE = 19;
constexpr int SQLITE_NOTADB_CODE = 26;

StoreError classify(const QSqlError &error)
{
    const QString native = error.nativeErrorCode();
    bool numeric = false;
    const int code = native.toInt(&numeric) & 0xff;
    if (numeric) {
        switch (code) {
        case SQLITE_BUSY_CODE:
        case SQLITE_LOCKED_CODE:
            return StoreError::Busy;
        case SQLITE_CORRUPT_CODE:
        case SQLITE_NOTADB_CODE:
            return StoreError::Corrupt;
        case SQLITE_CANTOPEN_CODE:
            return StoreError::OpenFailed;
        case SQLITE_CONSTRAINT_CODE:
            return StoreError::Conflict;
        default:
            break;
        }
    }
    if (native.startsWith(u"23")) // PostgreSQL integrity constraint violation
        return StoreError::Conflict;
    if (native == u"40001" || native == u"40P01" || native == u"55P03") // serialization, deadlock, lock
        return StoreError::Busy;
    if (native.startsWith(u"08") || error.type() == QSqlError::ConnectionError)
        return StoreError::OpenFailed;
    return StoreError::QueryFailed;
}

QString advice(StoreError code)
{
    switch (code) {
    case StoreError::Busy:
        return QStringLiteral(" Another process kept the database locked; try again.");
    case StoreError::Corrupt:
        return QStringLiteral(" The database file is damaged or not a database: move it aside and restore a backup. "
                              "Portcullis will not replace it with an empty one.");
    case StoreError::OpenFailed:
        return QStringLiteral(" Check that the database is reachable and that you may read and write it.");
    default:
        return QString();
    }
}

} // namespace

Error errorFrom(const QSqlError &error, const QString &doing)
{
    const StoreError code = classify(error);
    // The first line only: PostgreSQL's DETAIL lines repeat the row's values.
    QString reason = error.databaseText().trimmed().section(u'\n', 0, 0);
    if (reason.isEmpty())
        reason = error.driverText().trimmed();
    return Error(code, doing % u" failed: " % reason.left(300) % u'.' % advice(code));
}

Error errorFromSqlite(int code, const QString &message, const QString &doing)
{
    return errorFrom(QSqlError(QString(), message, QSqlError::StatementError, QString::number(code)), doing);
}

Result<QSqlQuery> run(const QSqlDatabase &db, const QString &doing, const QString &statement,
                      const QVariantList &values)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (values.isEmpty()) {
        // Run as is: PostgreSQL cannot prepare statements such as BEGIN or SET.
        if (!query.exec(statement))
            return errorFrom(query.lastError(), doing);
        return query;
    }
    if (!query.prepare(statement))
        return errorFrom(query.lastError(), doing);
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec())
        return errorFrom(query.lastError(), doing);
    return query;
}

} // namespace portcullis::store::sql
