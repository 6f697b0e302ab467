#pragma once

#include <optional>

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>

#include "common/Result.h"
#include "crypto/Jwa.h"
#include "crypto/SecretBytes.h"
#include "jose/Jwk.h"
#include "oauth/ClientAuthMethod.h"

namespace portcullis::oauth {

// How to reach one provider as one client: what Flow Lab saves under a name. No secret is part of it; the client
// secret and the assertion key travel separately (ClientCredentials) and are kept in the SecretStore.
struct ProviderProfile
{
    QString name;
    QString issuer; // discovery through RFC 8414 / OpenID metadata; empty: the manual endpoints below
    QUrl authorizationEndpoint; // manual endpoints (required without an issuer)
    QUrl tokenEndpoint;
    QUrl jwksUri; // optional manual endpoints
    QUrl userinfoEndpoint;
    QUrl introspectionEndpoint;
    QUrl revocationEndpoint;
    QString clientId;
    ClientAuthMethod authMethod = ClientAuthMethod::None;
    QStringList scopes {QStringLiteral("openid")};
    QList<QPair<QString, QString>> extraParameters; // added to the authorization request
    quint16 redirectPort = 0; // 0: an ephemeral port (RFC 8252 section 7.3)
    QString redirectPath = QStringLiteral("/callback");
    bool ipv6 = false; // [::1] instead of 127.0.0.1
    std::optional<crypto::Algorithm> assertionAlgorithm; // private_key_jwt; empty: the key's own algorithm

    [[nodiscard]] bool usesDiscovery() const { return !issuer.isEmpty(); }
    [[nodiscard]] bool wantsOpenId() const { return scopes.contains(QStringLiteral("openid")); }
    // Everything a flow needs is present and well formed; the error says which part and what to do.
    [[nodiscard]] Result<void> validate() const;

    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static Result<ProviderProfile> fromJson(const QJsonObject &object);

    // Names are what operators type: [A-Za-z0-9._@:-], 1 to 64 characters.
    [[nodiscard]] static bool isValidName(const QString &name);
    // "desktop@127.0.0.1:8080": a default name for a profile run without one.
    [[nodiscard]] QString defaultName() const;
};

// The client's secrets for one profile, never stored with it.
struct ClientCredentials
{
    crypto::SecretBytes clientSecret; // client_secret_basic / client_secret_post
    std::optional<jose::Jwk> assertionKey; // private_key_jwt: a private key
};

} // namespace portcullis::oauth
