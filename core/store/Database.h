#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include <QSqlDatabase>
#include <QStringList>

#include "common/Result.h"
#include "store/DatabaseLocation.h"

namespace portcullis::store {

// One workspace's database: SQLite (WAL, synchronous=FULL, foreign keys, a busy timeout) or PostgreSQL,
// opened, checked and migrated to the current schema. Each thread gets its own connection on first use; a
// connection is only ever used by the thread that opened it. Thread-safe.
class Database
{
public:
    struct Options
    {
        bool createIfMissing = true; // SQLite: create the file (mode 0600) when it does not exist
        int busyTimeoutMs = 5000;
    };

    // Opens the store, refuses a file that is damaged, not a Portcullis store, or written by a newer version,
    // and applies pending migrations in one transaction.
    [[nodiscard]] static Result<std::shared_ptr<Database>> open(const DatabaseLocation &location, Options options);
    [[nodiscard]] static Result<std::shared_ptr<Database>> open(const DatabaseLocation &location)
    {
        return open(location, Options {});
    }
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    [[nodiscard]] const DatabaseLocation &location() const { return m_location; }
    [[nodiscard]] Dialect dialect() const { return m_location.dialect; }
    // True when this open created the store (a new SQLite file or an empty PostgreSQL database).
    [[nodiscard]] bool wasCreated() const { return m_created; }
    [[nodiscard]] int schemaVersion() const { return m_schemaVersion; }
    // A random id given to the store when it was created: names the workspace's keychain entries.
    [[nodiscard]] const QString &workspaceId() const { return m_workspaceId; }

    // This thread's connection, opened and configured on first use.
    [[nodiscard]] Result<QSqlDatabase> connection() const;

    // Runs `work` in one transaction on this thread's connection (SQLite: BEGIN IMMEDIATE, so writers queue
    // at the start instead of failing half-way). Commits when `work` succeeds; rolls back when it fails.
    [[nodiscard]] Result<void> transaction(const std::function<Result<void>(const QSqlDatabase &)> &work) const;

    // The column type for raw bytes in this dialect ("BLOB" or "BYTEA").
    [[nodiscard]] QString blobType() const;

private:
    Database(DatabaseLocation location, Options options);
    Result<QSqlDatabase> openConnection(const QString &name) const;
    Result<void> prepareFile();
    Result<void> migrate();
    Result<void> readWorkspaceId();

    DatabaseLocation m_location;
    Options m_options;
    QString m_connectionPrefix;
    bool m_created = false;
    int m_schemaVersion = 0;
    QString m_workspaceId;
    mutable std::mutex m_mutex;
    mutable QStringList m_connectionNames;
};

} // namespace portcullis::store
