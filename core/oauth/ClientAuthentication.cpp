#include "oauth/ClientAuthentication.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "common/Clock.h"
#include "jose/Signer.h"
#include "oauth/FlowError.h"
#include "oauth/Pkce.h"

namespace portcullis::oauth {

namespace {

constexpr qint64 ASSERTION_LIFETIME_SECONDS = 60;

Result<QByteArray> clientAssertion(const ProviderProfile &profile, const ClientCredentials &credentials,
                                   const QString &audience, const Clock &clock)
{
    if (!credentials.assertionKey)
        return Error(FlowError::InvalidProfile,
                     QStringLiteral("private_key_jwt needs a private key to sign the client assertion; give one "
                                    "(--assertion-key FILE, a PEM or JWK private key registered with the provider)."));
    const jose::Jwk &key = *credentials.assertionKey;
    std::optional<crypto::Algorithm> algorithm
        = profile.assertionAlgorithm ? profile.assertionAlgorithm : key.algorithm();
    if (!algorithm && !key.key().algorithms().isEmpty())
        algorithm = key.key().algorithms().first();
    if (!algorithm || crypto::jwa::isHmac(*algorithm))
        return Error(FlowError::InvalidProfile,
                     QStringLiteral("private_key_jwt needs an asymmetric algorithm (RS256, PS256, ES256, EdDSA …) "
                                    "for the assertion key."));
    auto jti = randomFlowToken();
    if (!jti)
        return jti.error();
    const qint64 now = clock.unixSeconds();
    const QJsonObject claims {
        {QStringLiteral("iss"), profile.clientId},
        {QStringLiteral("sub"), profile.clientId},
        {QStringLiteral("aud"), audience},
        {QStringLiteral("jti"), QString::fromLatin1(*jti)},
        {QStringLiteral("iat"), now},
        {QStringLiteral("exp"), now + ASSERTION_LIFETIME_SECONDS},
    };
    return jose::Signer::sign(key, *algorithm, QJsonDocument(claims).toJson(QJsonDocument::Compact));
}

} // namespace

QByteArray formEncode(const FormFields &fields)
{
    QByteArray body;
    for (const auto &[name, value] : fields) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    return body;
}

Result<net::HttpRequest> authenticatedPost(const QUrl &endpoint, FormFields fields, const ProviderProfile &profile,
                                           const ClientCredentials &credentials, const QString &audience,
                                           const Clock &clock)
{
    net::HttpRequest request;
    request.method = "POST";
    request.url = endpoint;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    const QString secret = QString::fromUtf8(credentials.clientSecret.view());
    switch (profile.authMethod) {
    case ClientAuthMethod::None:
        fields.append({QStringLiteral("client_id"), profile.clientId});
        break;
    case ClientAuthMethod::ClientSecretBasic: {
        if (credentials.clientSecret.isEmpty())
            return Error(FlowError::InvalidProfile,
                         QStringLiteral("client_secret_basic needs the client secret "
                                        "(--client-secret-file FILE)."));
        // RFC 6749 section 2.3.1: both parts are form-urlencoded before they are joined and base64-encoded.
        const QByteArray pair = QUrl::toPercentEncoding(profile.clientId) + ':' + QUrl::toPercentEncoding(secret);
        request.headers.prepend({"Authorization", "Basic " + pair.toBase64()});
        break;
    }
    case ClientAuthMethod::ClientSecretPost:
        if (credentials.clientSecret.isEmpty())
            return Error(FlowError::InvalidProfile,
                         QStringLiteral("client_secret_post needs the client secret "
                                        "(--client-secret-file FILE)."));
        fields.append({QStringLiteral("client_id"), profile.clientId});
        fields.append({QStringLiteral("client_secret"), secret});
        break;
    case ClientAuthMethod::PrivateKeyJwt: {
        auto assertion = clientAssertion(profile, credentials, audience, clock);
        if (!assertion)
            return assertion.error();
        fields.append({QStringLiteral("client_id"), profile.clientId});
        fields.append({QStringLiteral("client_assertion_type"),
                       QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")});
        fields.append({QStringLiteral("client_assertion"), QString::fromLatin1(*assertion)});
        break;
    }
    }
    request.body = formEncode(fields);
    return request;
}

} // namespace portcullis::oauth
