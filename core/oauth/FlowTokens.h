#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include "common/Result.h"

namespace portcullis {
class Clock;
}

namespace portcullis::oauth {

// What a token endpoint issued. These are credentials: shown masked, kept in the SecretStore, never logged.
struct FlowTokens
{
    QByteArray accessToken;
    QString tokenType; // "Bearer"
    QByteArray refreshToken; // empty: none issued
    QByteArray idToken; // empty: none issued
    QString scope; // as granted, when the provider says
    QDateTime obtainedAt;
    QDateTime expiresAt; // invalid: the provider did not say (no expires_in)

    [[nodiscard]] bool isEmpty() const { return accessToken.isEmpty(); }

    // A successful token response (RFC 6749 section 5.1): a JSON object with access_token and token_type
    // Bearer. `previous` supplies what a refresh response may leave out (the refresh token, the ID token).
    [[nodiscard]] static Result<FlowTokens> fromTokenResponse(QByteArrayView body, const Clock &clock,
                                                              const FlowTokens *previous = nullptr);

    // The tokens as JSON for the SecretStore (secrets included), and back.
    [[nodiscard]] QByteArray toSecretJson() const;
    [[nodiscard]] static Result<FlowTokens> fromSecretJson(QByteArrayView json);
};

} // namespace portcullis::oauth
