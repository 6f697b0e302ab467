#pragma once

#include <memory>
#include <vector>

#include "common/Result.h"
#include "monitor/AuthSubject.h"
#include "monitor/LockoutPolicy.h"

namespace portcullis::store {
class Database;
}

namespace portcullis::monitor {

// The SQL behind the failed-auth tracker (table auth_failures), the same for SQLite and PostgreSQL. Uses the calling
// thread's connection.
class AuthFailureRepository
{
public:
    struct Row
    {
        SubjectKind kind = SubjectKind::User;
        QString subject;
        FailureRecord record;
        QString lastSource;
    };

    struct Removal
    {
        SubjectKind kind = SubjectKind::User;
        QString subject;
        bool evenIfLocked = false; // an operator's unlock; otherwise a lock the row holds is kept
    };

    explicit AuthFailureRepository(std::shared_ptr<store::Database> database);

    // Every row: locks first, then the most recent failures first.
    [[nodiscard]] Result<std::vector<Row>> loadAll() const;
    // The rows locked at `nowMs` (permanently, or until later).
    [[nodiscard]] Result<std::vector<Row>> loadLocked(qint64 nowMs) const;

    // Writes `rows` and removes `removals` in one transaction. A write never shortens a lock the row already
    // holds (another instance may have written it), and a removal without evenIfLocked leaves a row that is
    // locked at `nowMs` alone: only an operator's unlock ends a lock early.
    [[nodiscard]] Result<void> write(const std::vector<Row> &rows, const std::vector<Removal> &removals,
                                     qint64 nowMs) const;

private:
    [[nodiscard]] Result<std::vector<Row>> select(const QString &doing, const QString &where,
                                                  const QVariantList &values) const;

    std::shared_ptr<store::Database> m_database;
};

} // namespace portcullis::monitor
