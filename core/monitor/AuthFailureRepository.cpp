#include "monitor/AuthFailureRepository.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QStringBuilder>

#include "store/Database.h"
#include "store/Sql.h"

namespace portcullis::monitor {

namespace {

const QString COLUMNS = QStringLiteral("kind, subject, failures, last_failure_ms, last_source, locked_since_ms, "
                                       "locked_until_ms, permanent, temporary_lockouts, lock_reason");

// The lock columns follow the stronger lock (permanent over temporary, then the later end) while the stored one
// still holds; once it has run out, the new values win. The placeholder is the time now.
const QString EXCLUDED_LOCK_WINS
    = QStringLiteral("(excluded.permanent > auth_failures.permanent OR (excluded.permanent = auth_failures.permanent "
                     "AND excluded.locked_until_ms >= auth_failures.locked_until_ms) OR (auth_failures.permanent = 0 "
                     "AND auth_failures.locked_until_ms <= ?))");
constexpr int LOCK_COLUMNS = 4; // each takes the placeholder once

QString upsertStatement()
{
    const auto keepStronger = [](const char16_t *column) -> QString {
        const QString name = QString::fromUtf16(column);
        return name % u" = CASE WHEN " % EXCLUDED_LOCK_WINS % u" THEN excluded." % name % u" ELSE auth_failures." % name
            % u" END";
    };
    return u"INSERT INTO auth_failures (" % COLUMNS
        % u") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, subject) DO UPDATE SET "
          u"failures = excluded.failures, last_failure_ms = excluded.last_failure_ms, "
          u"last_source = excluded.last_source, temporary_lockouts = excluded.temporary_lockouts, "
        % keepStronger(u"locked_since_ms") % u", " % keepStronger(u"lock_reason") % u", "
        % keepStronger(u"locked_until_ms") % u", " % keepStronger(u"permanent");
}

// Qt binds a null QString as NULL; the text columns are NOT NULL with '' for none.
QString text(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

} // namespace

AuthFailureRepository::AuthFailureRepository(std::shared_ptr<store::Database> database)
    : m_database(std::move(database))
{ }

Result<std::vector<AuthFailureRepository::Row>>
AuthFailureRepository::select(const QString &doing, const QString &where, const QVariantList &values) const
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto query = store::sql::run(*db, doing,
                                 u"SELECT " % COLUMNS % u" FROM auth_failures " % where
                                     % u" ORDER BY permanent DESC, locked_until_ms DESC, last_failure_ms DESC",
                                 values);
    if (!query)
        return query.error();
    std::vector<Row> rows;
    while (query->next()) {
        const auto kind = subjectKindFromName(query->value(0).toString());
        if (!kind)
            continue; // written by a newer Portcullis: not ours to judge
        Row row;
        row.kind = *kind;
        row.subject = query->value(1).toString();
        row.record.failures = query->value(2).toLongLong();
        row.record.lastFailureMs = query->value(3).toLongLong();
        row.lastSource = query->value(4).toString();
        row.record.lockedSinceMs = query->value(5).toLongLong();
        row.record.lockedUntilMs = query->value(6).toLongLong();
        row.record.permanent = query->value(7).toInt() != 0;
        row.record.temporaryLockouts = query->value(8).toInt();
        row.record.lockReason = lockReasonFromName(query->value(9).toString());
        rows.push_back(std::move(row));
    }
    return rows;
}

Result<std::vector<AuthFailureRepository::Row>> AuthFailureRepository::loadAll() const
{
    return select(QStringLiteral("Loading failed-authentication counts"), QString(), {});
}

Result<std::vector<AuthFailureRepository::Row>> AuthFailureRepository::loadLocked(qint64 nowMs) const
{
    return select(QStringLiteral("Reading the current lockouts"),
                  QStringLiteral("WHERE locked_until_ms > ? OR permanent <> 0"), {nowMs});
}

Result<void> AuthFailureRepository::write(const std::vector<Row> &rows, const std::vector<Removal> &removals,
                                          qint64 nowMs) const
{
    const QString doing = QStringLiteral("Saving failed-authentication counts");
    return m_database->transaction([&](const QSqlDatabase &db) -> Result<void> {
        // Removals first: an operator's unlock followed by a new failure removes the lock, then writes the count.
        QSqlQuery remove(db);
        QSqlQuery removeUnlocked(db);
        if (!removals.empty()) {
            if (!remove.prepare(QStringLiteral("DELETE FROM auth_failures WHERE kind = ? AND subject = ?")))
                return store::sql::errorFrom(remove.lastError(), doing);
            if (!removeUnlocked.prepare(QStringLiteral("DELETE FROM auth_failures WHERE kind = ? AND subject = ? "
                                                       "AND permanent = 0 AND locked_until_ms <= ?")))
                return store::sql::errorFrom(removeUnlocked.lastError(), doing);
        }
        for (const Removal &removal : removals) {
            QSqlQuery &query = removal.evenIfLocked ? remove : removeUnlocked;
            query.addBindValue(subjectKindName(removal.kind));
            query.addBindValue(removal.subject);
            if (!removal.evenIfLocked)
                query.addBindValue(nowMs);
            if (!query.exec())
                return store::sql::errorFrom(query.lastError(), doing);
        }
        QSqlQuery upsert(db);
        if (!rows.empty() && !upsert.prepare(upsertStatement()))
            return store::sql::errorFrom(upsert.lastError(), doing);
        for (const Row &row : rows) {
            upsert.addBindValue(subjectKindName(row.kind));
            upsert.addBindValue(row.subject);
            upsert.addBindValue(row.record.failures);
            upsert.addBindValue(row.record.lastFailureMs);
            upsert.addBindValue(text(row.lastSource));
            upsert.addBindValue(row.record.lockedSinceMs);
            upsert.addBindValue(row.record.lockedUntilMs);
            upsert.addBindValue(row.record.permanent ? 1 : 0);
            upsert.addBindValue(row.record.temporaryLockouts);
            upsert.addBindValue(text(lockReasonName(row.record.lockReason)));
            for (int i = 0; i < LOCK_COLUMNS; ++i)
                upsert.addBindValue(nowMs);
            if (!upsert.exec())
                return store::sql::errorFrom(upsert.lastError(), doing);
        }
        return {};
    });
}

} // namespace portcullis::monitor
