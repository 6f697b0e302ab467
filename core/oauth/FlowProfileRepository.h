#pragma once

#include <memory>
#include <vector>

#include <QJsonObject>
#include <QString>

#include "common/Result.h"
#include "oauth/ProviderProfile.h"

namespace portcullis::store {
class Database;
}

namespace portcullis::oauth {

// The SQL behind saved provider profiles (table flow_profiles), the same for SQLite and PostgreSQL. Holds no
// secret: ProviderProfile has none, and the last-run summary names claims and times, never a token.
class FlowProfileRepository
{
public:
    struct Row
    {
        ProviderProfile profile;
        qint64 createdMs = 0;
        qint64 updatedMs = 0;
        qint64 lastRunMs = 0; // 0: never run
        QJsonObject lastResult; // {"ok":…, "issuer":…, "sub":…, "scope":…, "expires_at":…, "refresh_token":bool}
    };

    explicit FlowProfileRepository(std::shared_ptr<store::Database> database);

    // Creates or replaces the profile (its name is the key); the last-run summary is kept.
    [[nodiscard]] Result<void> save(const ProviderProfile &profile, qint64 nowMs);
    [[nodiscard]] Result<void> recordRun(const QString &name, const QJsonObject &summary, qint64 nowMs);
    // StoreError::NotFound when there is no such profile.
    [[nodiscard]] Result<Row> find(const QString &name) const;
    [[nodiscard]] Result<std::vector<Row>> list() const;
    // Removing a profile that does not exist is StoreError::NotFound.
    [[nodiscard]] Result<void> remove(const QString &name);

private:
    std::shared_ptr<store::Database> m_database;
};

} // namespace portcullis::oauth
