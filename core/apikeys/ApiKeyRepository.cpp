#include "apikeys/ApiKeyRepository.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QStringBuilder>
#include <QVariant>

#include "apikeys/ApiKeyError.h"
#include "store/Database.h"
#include "store/Sql.h"
#include "store/StoreError.h"

namespace portcullis::apikeys {

namespace {

const QString COLUMNS = QStringLiteral(
    "id, prefix, last_four, name, owner, description, scopes, state, created_at, expires_at, revoked_at, "
    "revoked_reason, grace_ends_at, replaced_by");
// The columns recordAt() reads, keys joined with their usage.
const QString SELECT_RECORDS = QStringLiteral(
    "SELECT k.id, k.prefix, k.last_four, k.name, k.owner, k.description, k.scopes, k.state, k.created_at, "
    "k.expires_at, k.revoked_at, k.revoked_reason, k.grace_ends_at, k.replaced_by, u.last_used_at, u.last_used_from, "
    "COALESCE(u.usage_count, 0), k.keyed_hash, k.revision FROM api_keys k LEFT JOIN api_key_usage u ON u.key_id = "
    "k.id");

QVariant timeValue(const QDateTime &time)
{
    return time.isValid() ? QVariant(time.toMSecsSinceEpoch()) : QVariant(QMetaType(QMetaType::LongLong));
}

// NOT NULL text columns: a null QString would be bound as NULL.
QString text(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

QVariant textOrNull(const QString &text)
{
    return text.isNull() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(text);
}

QDateTime timeAt(const QSqlQuery &query, int column)
{
    const QVariant value = query.value(column);
    if (value.isNull())
        return {};
    return QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

ApiKeyRecord recordAt(const QSqlQuery &query)
{
    ApiKeyRecord record;
    record.id = query.value(0).toString();
    record.prefix = query.value(1).toString();
    record.lastFour = query.value(2).toString();
    record.name = query.value(3).toString();
    record.owner = query.value(4).toString();
    record.description = query.value(5).toString();
    record.scopes = query.value(6).toString().split(u' ', Qt::SkipEmptyParts);
    record.state = stateFromName(query.value(7).toString()).value_or(ApiKeyState::Revoked);
    record.createdAt = timeAt(query, 8);
    record.expiresAt = timeAt(query, 9);
    record.revokedAt = timeAt(query, 10);
    record.revokedReason = query.value(11).toString();
    record.graceEndsAt = timeAt(query, 12);
    record.replacedBy = query.value(13).toString();
    record.lastUsedAt = timeAt(query, 14);
    record.lastUsedFrom = query.value(15).toString();
    record.usageCount = query.value(16).toLongLong();
    return record;
}

Result<void> expectOneRow(const QSqlQuery &query, const QString &id)
{
    if (query.numRowsAffected() != 1)
        return Error(ApiKeyError::NotFound, u"There is no API key with the id " % id % u'.');
    return {};
}

} // namespace

ApiKeyRepository::ApiKeyRepository(std::shared_ptr<store::Database> database)
    : m_database(std::move(database))
{ }

Result<qint64> ApiKeyRepository::nextRevision(const QSqlDatabase &db) const
{
    const QString doing = QStringLiteral("Numbering a key change");
    if (auto bumped = store::sql::run(
            db, doing, QStringLiteral("UPDATE portcullis_counters SET value = value + 1 WHERE name = 'api_keys'"));
        !bumped)
        return bumped.error();
    auto query
        = store::sql::run(db, doing, QStringLiteral("SELECT value FROM portcullis_counters WHERE name = 'api_keys'"));
    if (!query)
        return query.error();
    if (!query->next())
        return Error(store::StoreError::Corrupt, QStringLiteral("The store has lost its key change counter."));
    return query->value(0).toLongLong();
}

Result<qint64> ApiKeyRepository::currentRevision() const
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto query = store::sql::run(*db, QStringLiteral("Reading the key change counter"),
                                 QStringLiteral("SELECT value FROM portcullis_counters WHERE name = 'api_keys'"));
    if (!query)
        return query.error();
    return query->next() ? query->value(0).toLongLong() : 0;
}

Result<void> ApiKeyRepository::insert(const QSqlDatabase &db, const ApiKeyRecord &record, const QByteArray &keyedHash,
                                      qint64 revision) const
{
    auto done = store::sql::run(
        db, QStringLiteral("Saving the new key"),
        u"INSERT INTO api_keys (" % COLUMNS
            % u", keyed_hash, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {record.id, record.prefix, record.lastFour, text(record.name), text(record.owner), text(record.description),
         text(record.scopes.join(u' ')), stateName(record.state), timeValue(record.createdAt),
         timeValue(record.expiresAt), timeValue(record.revokedAt), textOrNull(record.revokedReason),
         timeValue(record.graceEndsAt), textOrNull(record.replacedBy), keyedHash, revision});
    if (!done)
        return done.error();
    return {};
}

Result<std::optional<ApiKeyRecord>> ApiKeyRepository::find(const QSqlDatabase &db, const QString &id) const
{
    auto query = store::sql::run(db, QStringLiteral("Looking up the key"), SELECT_RECORDS % u" WHERE k.id = ?", {id});
    if (!query)
        return query.error();
    if (!query->next())
        return std::optional<ApiKeyRecord>();
    return std::optional<ApiKeyRecord>(recordAt(*query));
}

Result<std::optional<ApiKeyRecord>> ApiKeyRepository::find(const QString &id) const
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    return find(*db, id);
}

Result<std::vector<ApiKeyRecord>> ApiKeyRepository::list(std::optional<ApiKeyState> state) const
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    QString statement = SELECT_RECORDS;
    QVariantList values;
    if (state) {
        statement += QStringLiteral(" WHERE k.state = ?");
        values << stateName(*state);
    }
    statement += QStringLiteral(" ORDER BY k.created_at, k.id");
    auto query = store::sql::run(*db, QStringLiteral("Listing keys"), statement, values);
    if (!query)
        return query.error();
    std::vector<ApiKeyRecord> records;
    while (query->next())
        records.push_back(recordAt(*query));
    return records;
}

Result<qint64> ApiKeyRepository::count() const
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto query = store::sql::run(*db, QStringLiteral("Counting keys"), QStringLiteral("SELECT COUNT(*) FROM api_keys"));
    if (!query)
        return query.error();
    return query->next() ? query->value(0).toLongLong() : 0;
}

Result<void> ApiKeyRepository::markRevoked(const QSqlDatabase &db, const QString &id, const QString &reason,
                                           qint64 atMs, qint64 revision) const
{
    auto query = store::sql::run(db, QStringLiteral("Revoking the key"),
                                 QStringLiteral("UPDATE api_keys SET state = 'revoked', revoked_at = ?, "
                                                "revoked_reason = ?, revision = ? WHERE id = ?"),
                                 {atMs, text(reason), revision, id});
    if (!query)
        return query.error();
    return expectOneRow(*query, id);
}

Result<void> ApiKeyRepository::markRotating(const QSqlDatabase &db, const QString &id, qint64 graceEndsAtMs,
                                            const QString &replacedBy, qint64 revision) const
{
    auto query = store::sql::run(db, QStringLiteral("Marking the old key as rotating"),
                                 QStringLiteral("UPDATE api_keys SET state = 'rotating', grace_ends_at = ?, "
                                                "replaced_by = ?, revision = ? WHERE id = ?"),
                                 {graceEndsAtMs, text(replacedBy), revision, id});
    if (!query)
        return query.error();
    return expectOneRow(*query, id);
}

Result<void> ApiKeyRepository::markExpired(const QSqlDatabase &db, const QString &id, qint64 revision) const
{
    auto query = store::sql::run(db, QStringLiteral("Expiring the key"),
                                 QStringLiteral("UPDATE api_keys SET state = 'expired', revision = ? WHERE id = ?"),
                                 {revision, id});
    if (!query)
        return query.error();
    return expectOneRow(*query, id);
}

Result<QStringList> ApiKeyRepository::dueToExpire(const QSqlDatabase &db, qint64 nowMs) const
{
    auto query = store::sql::run(db, QStringLiteral("Finding keys past their end"),
                                 QStringLiteral("SELECT id FROM api_keys WHERE state IN ('active', 'rotating') AND "
                                                "((expires_at IS NOT NULL AND expires_at <= ?) OR "
                                                "(state = 'rotating' AND grace_ends_at <= ?)) ORDER BY id"),
                                 {nowMs, nowMs});
    if (!query)
        return query.error();
    QStringList ids;
    while (query->next())
        ids << query->value(0).toString();
    return ids;
}

Result<std::vector<ApiKeyRepository::StoredKey>> ApiKeyRepository::changedSince(qint64 revision) const
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto query
        = store::sql::run(*db, QStringLiteral("Loading keys"), SELECT_RECORDS % u" WHERE k.revision > ?", {revision});
    if (!query)
        return query.error();
    std::vector<StoredKey> keys;
    while (query->next())
        keys.push_back({recordAt(*query), query->value(17).toByteArray(), query->value(18).toLongLong()});
    return keys;
}

Result<void> ApiKeyRepository::applyUsage(const std::vector<UsageDelta> &deltas) const
{
    return m_database->transaction([&](const QSqlDatabase &db) -> Result<void> {
        QSqlQuery query(db);
        if (!query.prepare(QStringLiteral(
                "INSERT INTO api_key_usage (key_id, usage_count, last_used_at, last_used_from) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (key_id) DO UPDATE SET usage_count = api_key_usage.usage_count + excluded.usage_count, "
                "last_used_at = CASE WHEN excluded.last_used_at > api_key_usage.last_used_at "
                "THEN excluded.last_used_at ELSE api_key_usage.last_used_at END, "
                "last_used_from = CASE WHEN excluded.last_used_at >= api_key_usage.last_used_at "
                "THEN excluded.last_used_from ELSE api_key_usage.last_used_from END")))
            return store::sql::errorFrom(query.lastError(), QStringLiteral("Recording key usage"));
        for (const UsageDelta &delta : deltas) {
            query.addBindValue(delta.id);
            query.addBindValue(delta.count);
            query.addBindValue(delta.lastUsedAtMs);
            query.addBindValue(text(delta.lastUsedFrom));
            if (!query.exec())
                return store::sql::errorFrom(query.lastError(), QStringLiteral("Recording key usage"));
        }
        return {};
    });
}

} // namespace portcullis::apikeys
