#pragma once

#include <optional>

#include <QDateTime>
#include <QString>
#include <QStringList>

namespace portcullis::apikeys {

enum class ApiKeyState
{
    Active,
    Rotating, // replaced by a new key; still accepted until its grace period ends
    Revoked,
    Expired,
};

[[nodiscard]] QString stateName(ApiKeyState state); // "active", "rotating", "revoked", "expired"
[[nodiscard]] std::optional<ApiKeyState> stateFromName(QStringView name);

// What the store keeps about one key. Never the key itself: only its keyed hash, which stays in core/store.
struct ApiKeyRecord
{
    QString id; // public, stable: "key_…"
    QString prefix; // "pcl_live"
    QString lastFour;
    QString name;
    QString owner;
    QString description;
    QStringList scopes;
    ApiKeyState state = ApiKeyState::Active;
    QDateTime createdAt;
    QDateTime expiresAt; // invalid: never
    QDateTime revokedAt;
    QString revokedReason;
    QDateTime graceEndsAt; // while Rotating
    QString replacedBy; // the key that replaced this one in a rotation
    QDateTime lastUsedAt;
    QString lastUsedFrom;
    qint64 usageCount = 0;

    // "pcl_live_…Ab3d"
    [[nodiscard]] QString hint() const;
    // The state as of `now`: an active key past its expiry, or a rotating key past its grace end, is Expired
    // even before the store has been swept.
    [[nodiscard]] ApiKeyState effectiveState(const QDateTime &now) const;
};

} // namespace portcullis::apikeys
