#pragma once

#include <mutex>

#include <QHash>

#include "common/Clock.h"
#include "jose/TokenStore.h"

namespace portcullis::jose {

// A TokenStore in process memory; expired entries are dropped as it goes.
class InMemoryTokenStore final : public TokenStore
{
public:
    explicit InMemoryTokenStore(const Clock &clock);

    Result<void> addRefresh(const RefreshRecord &record) override;
    Result<std::optional<RefreshRecord>> findRefresh(const QString &jti) override;
    Result<std::optional<RefreshRecord>> rotateRefresh(const QString &jti, const QString &replacement) override;
    Result<int> revokeFamily(const QString &familyId) override;
    Result<void> revokeToken(const QString &jti, qint64 expiresAt) override;
    Result<bool> isRevoked(const QString &jti) override;

private:
    void dropExpired();

    const Clock &m_clock;
    std::mutex m_mutex;
    QHash<QString, RefreshRecord> m_refresh;
    QHash<QString, qint64> m_revoked;
    qint64 m_lastSweep = 0;
};

} // namespace portcullis::jose
