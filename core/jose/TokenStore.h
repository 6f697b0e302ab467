#pragma once

#include <optional>

#include <QString>

#include "common/Result.h"

namespace portcullis::jose {

// What the server keeps about one refresh token (never the token itself).
struct RefreshRecord
{
    QString jti;
    QString familyId; // the first refresh token's jti: every rotation stays in its family
    QString subject;
    QString role;
    QString scope;
    qint64 expiresAt = 0;
    QString replacedBy; // set once rotated
    bool revoked = false;
};

// Server-side state of the token service: refresh-token records and the revocation list. The in-memory store is
// for tests and single-process use; the store module provides a persistent one.
class TokenStore
{
public:
    virtual ~TokenStore() = default;

    virtual Result<void> addRefresh(const RefreshRecord &record) = 0;
    virtual Result<std::optional<RefreshRecord>> findRefresh(const QString &jti) = 0;
    // Atomically marks an active refresh token as rotated to `replacement` and returns its record. A token already
    // rotated or revoked comes back as it is, unchanged, so the caller can detect reuse; an unknown jti is nullopt.
    virtual Result<std::optional<RefreshRecord>> rotateRefresh(const QString &jti, const QString &replacement) = 0;
    // Revokes every refresh token of a family; returns how many were active.
    virtual Result<int> revokeFamily(const QString &familyId) = 0;

    // Revoked access-token ids, kept until the token would have expired anyway.
    virtual Result<void> revokeToken(const QString &jti, qint64 expiresAt) = 0;
    virtual Result<bool> isRevoked(const QString &jti) = 0;
};

} // namespace portcullis::jose
