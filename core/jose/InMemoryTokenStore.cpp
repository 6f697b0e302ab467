#include "jose/InMemoryTokenStore.h"

namespace portcullis::jose {

namespace {
constexpr qint64 SWEEP_INTERVAL_SECONDS = 60;
}

InMemoryTokenStore::InMemoryTokenStore(const Clock &clock)
    : m_clock(clock)
{ }

void InMemoryTokenStore::dropExpired()
{
    const qint64 now = m_clock.unixSeconds();
    if (now - m_lastSweep < SWEEP_INTERVAL_SECONDS)
        return;
    m_lastSweep = now;
    m_refresh.removeIf([now](const auto &entry) { return entry.value().expiresAt <= now; });
    m_revoked.removeIf([now](const auto &entry) { return entry.value() <= now; });
}

Result<void> InMemoryTokenStore::addRefresh(const RefreshRecord &record)
{
    std::lock_guard lock(m_mutex);
    dropExpired();
    m_refresh.insert(record.jti, record);
    return {};
}

Result<std::optional<RefreshRecord>> InMemoryTokenStore::findRefresh(const QString &jti)
{
    std::lock_guard lock(m_mutex);
    const auto found = m_refresh.constFind(jti);
    return found == m_refresh.cend() ? std::optional<RefreshRecord>() : std::optional<RefreshRecord>(*found);
}

Result<std::optional<RefreshRecord>> InMemoryTokenStore::rotateRefresh(const QString &jti, const QString &replacement)
{
    std::lock_guard lock(m_mutex);
    const auto found = m_refresh.find(jti);
    if (found == m_refresh.end())
        return std::optional<RefreshRecord>();
    const RefreshRecord before = *found;
    if (!before.revoked && before.replacedBy.isEmpty())
        found->replacedBy = replacement;
    return std::optional<RefreshRecord>(before);
}

Result<int> InMemoryTokenStore::revokeFamily(const QString &familyId)
{
    std::lock_guard lock(m_mutex);
    int active = 0;
    for (RefreshRecord &record : m_refresh) {
        if (record.familyId == familyId && !record.revoked) {
            active += record.replacedBy.isEmpty() ? 1 : 0;
            record.revoked = true;
        }
    }
    return active;
}

Result<void> InMemoryTokenStore::revokeToken(const QString &jti, qint64 expiresAt)
{
    std::lock_guard lock(m_mutex);
    dropExpired();
    m_revoked.insert(jti, expiresAt);
    return {};
}

Result<bool> InMemoryTokenStore::isRevoked(const QString &jti)
{
    std::lock_guard lock(m_mutex);
    return m_revoked.contains(jti);
}

} // namespace portcullis::jose
