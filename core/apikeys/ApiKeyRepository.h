#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <QByteArray>
#include <QSqlDatabase>

#include "apikeys/ApiKeyRecord.h"
#include "common/Result.h"

namespace portcullis::store {
class Database;
}

namespace portcullis::apikeys {

// The SQL behind the key service, the same for SQLite and PostgreSQL. Functions taking a QSqlDatabase run
// inside the caller's transaction; the others use the calling thread's connection.
class ApiKeyRepository
{
public:
    struct StoredKey
    {
        ApiKeyRecord record;
        QByteArray keyedHash;
        qint64 revision = 0;
    };

    struct UsageDelta
    {
        QString id;
        qint64 count = 0;
        qint64 lastUsedAtMs = 0;
        QString lastUsedFrom;
    };

    explicit ApiKeyRepository(std::shared_ptr<store::Database> database);

    [[nodiscard]] const std::shared_ptr<store::Database> &database() const { return m_database; }

    // Takes the next change number for a transaction that alters keys (serialises such transactions).
    [[nodiscard]] Result<qint64> nextRevision(const QSqlDatabase &db) const;
    [[nodiscard]] Result<qint64> currentRevision() const;

    [[nodiscard]] Result<void> insert(const QSqlDatabase &db, const ApiKeyRecord &record, const QByteArray &keyedHash,
                                      qint64 revision) const;
    [[nodiscard]] Result<std::optional<ApiKeyRecord>> find(const QSqlDatabase &db, const QString &id) const;
    [[nodiscard]] Result<std::optional<ApiKeyRecord>> find(const QString &id) const;
    [[nodiscard]] Result<std::vector<ApiKeyRecord>> list(std::optional<ApiKeyState> state) const;
    [[nodiscard]] Result<qint64> count() const;

    [[nodiscard]] Result<void> markRevoked(const QSqlDatabase &db, const QString &id, const QString &reason,
                                           qint64 atMs, qint64 revision) const;
    [[nodiscard]] Result<void> markRotating(const QSqlDatabase &db, const QString &id, qint64 graceEndsAtMs,
                                            const QString &replacedBy, qint64 revision) const;
    [[nodiscard]] Result<void> markExpired(const QSqlDatabase &db, const QString &id, qint64 revision) const;
    // Ids of active or rotating keys whose expiry or grace end is at or before `nowMs`.
    [[nodiscard]] Result<QStringList> dueToExpire(const QSqlDatabase &db, qint64 nowMs) const;

    // Every key changed after `revision` (all keys for 0), with its keyed hash: what the validation index loads.
    [[nodiscard]] Result<std::vector<StoredKey>> changedSince(qint64 revision) const;

    // Adds usage counts and last-use marks in one transaction. Does not change the revision: usage never
    // affects validity.
    [[nodiscard]] Result<void> applyUsage(const std::vector<UsageDelta> &deltas) const;

private:
    std::shared_ptr<store::Database> m_database;
};

} // namespace portcullis::apikeys
