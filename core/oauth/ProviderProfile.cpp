#include "oauth/ProviderProfile.h"

#include <QJsonArray>
#include <QRegularExpression>

#include "common/Redaction.h"
#include "oauth/EndpointUrl.h"
#include "oauth/FlowError.h"

namespace portcullis::oauth {

namespace {

constexpr qsizetype MAX_CLIENT_ID = 256;
constexpr qsizetype MAX_SCOPES = 64;
constexpr qsizetype MAX_EXTRA_PARAMETERS = 32;

// Parameters the flow sets itself: an extra parameter may not replace them.
const QStringList RESERVED_PARAMETERS {
    QStringLiteral("response_type"),
    QStringLiteral("client_id"),
    QStringLiteral("redirect_uri"),
    QStringLiteral("state"),
    QStringLiteral("nonce"),
    QStringLiteral("code_challenge"),
    QStringLiteral("code_challenge_method"),
    QStringLiteral("scope"),
};

Error invalid(const QString &detail)
{
    return Error(FlowError::InvalidProfile, detail);
}

bool isScopeToken(const QString &scope)
{
    // RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (scope.isEmpty() || scope.size() > 256)
        return false;
    for (QChar c : scope) {
        const char16_t u = c.unicode();
        if (u < 0x21 || u > 0x7E || u == 0x22 || u == 0x5C)
            return false;
    }
    return true;
}

Result<void> checkOptionalEndpoint(const QUrl &url, const QString &what)
{
    if (url.isEmpty())
        return {};
    auto checked = checkEndpoint(url.toString(), what);
    if (!checked)
        return checked.error();
    return {};
}

QString urlText(const QUrl &url)
{
    return url.isEmpty() ? QString() : url.toString(QUrl::FullyEncoded);
}

QUrl urlFrom(const QJsonObject &object, const char *key)
{
    return QUrl(object.value(QLatin1String(key)).toString(), QUrl::StrictMode);
}

} // namespace

Result<void> ProviderProfile::validate() const
{
    if (!name.isEmpty() && !isValidName(name))
        return invalid(
            QStringLiteral("The profile name \"%1\" is not usable: use 1 to 64 letters, digits and . _ @ : -")
                .arg(redaction::escapeUntrusted(name, 80)));
    if (clientId.trimmed().isEmpty())
        return invalid(QStringLiteral("No client id: give the client id registered with the provider (--client-id)."));
    if (clientId.size() > MAX_CLIENT_ID)
        return invalid(QStringLiteral("The client id is %1 characters long; client ids are at most %2.")
                           .arg(clientId.size())
                           .arg(MAX_CLIENT_ID));
    if (usesDiscovery()) {
        auto parsed = parseIssuer(issuer);
        if (!parsed)
            return parsed.error();
    } else {
        if (authorizationEndpoint.isEmpty() || tokenEndpoint.isEmpty())
            return invalid(QStringLiteral("Give either an issuer (--issuer) for discovery, or both the authorization "
                                          "and the token endpoint."));
        for (const auto &[url, what] : {std::pair {authorizationEndpoint, QStringLiteral("authorization endpoint")},
                                        std::pair {tokenEndpoint, QStringLiteral("token endpoint")}}) {
            auto checked = checkEndpoint(url.toString(), what);
            if (!checked)
                return checked.error();
        }
    }
    for (const auto &[url, what] : {std::pair {jwksUri, QStringLiteral("JWKS URI")},
                                    std::pair {userinfoEndpoint, QStringLiteral("userinfo endpoint")},
                                    std::pair {introspectionEndpoint, QStringLiteral("introspection endpoint")},
                                    std::pair {revocationEndpoint, QStringLiteral("revocation endpoint")}}) {
        auto checked = checkOptionalEndpoint(url, what);
        if (!checked)
            return checked;
    }
    if (scopes.size() > MAX_SCOPES)
        return invalid(
            QStringLiteral("%1 scopes is more than the %2 a profile may ask for.").arg(scopes.size()).arg(MAX_SCOPES));
    for (const QString &scope : scopes) {
        if (!isScopeToken(scope))
            return invalid(QStringLiteral("The scope \"%1\" is not a valid scope token: no spaces, quotes or "
                                          "backslashes (RFC 6749 section 3.3).")
                               .arg(redaction::escapeUntrusted(scope, 80)));
    }
    if (extraParameters.size() > MAX_EXTRA_PARAMETERS)
        return invalid(QStringLiteral("More than %1 extra parameters.").arg(MAX_EXTRA_PARAMETERS));
    for (const auto &[key, value] : extraParameters) {
        if (key.isEmpty() || key.size() > 128 || value.size() > 2048)
            return invalid(QStringLiteral("An extra parameter needs a name of 1 to 128 characters and a value of at "
                                          "most 2048."));
        if (RESERVED_PARAMETERS.contains(key))
            return invalid(
                QStringLiteral("The extra parameter \"%1\" is one the flow sets itself; remove it.").arg(key));
    }
    if (!redirectPath.startsWith(QLatin1Char('/')) || redirectPath.size() > 256
        || redirectPath.contains(QLatin1Char('?')) || redirectPath.contains(QLatin1Char('#')))
        return invalid(QStringLiteral("The redirect path must start with / and have no query or fragment."));
    return {};
}

QJsonObject ProviderProfile::toJson() const
{
    QJsonArray extras;
    for (const auto &[key, value] : extraParameters)
        extras.append(QJsonArray {key, value});
    QJsonObject object {
        {QStringLiteral("name"), name},
        {QStringLiteral("client_id"), clientId},
        {QStringLiteral("auth_method"), clientAuthMethodName(authMethod)},
        {QStringLiteral("scopes"), QJsonArray::fromStringList(scopes)},
        {QStringLiteral("redirect_port"), redirectPort},
        {QStringLiteral("redirect_path"), redirectPath},
        {QStringLiteral("ipv6"), ipv6},
    };
    if (!issuer.isEmpty())
        object.insert(QStringLiteral("issuer"), issuer);
    const std::pair<const char *, QUrl> endpoints[] = {
        {"authorization_endpoint", authorizationEndpoint},
        {"token_endpoint", tokenEndpoint},
        {"jwks_uri", jwksUri},
        {"userinfo_endpoint", userinfoEndpoint},
        {"introspection_endpoint", introspectionEndpoint},
        {"revocation_endpoint", revocationEndpoint},
    };
    for (const auto &[key, url] : endpoints) {
        if (!url.isEmpty())
            object.insert(QLatin1String(key), urlText(url));
    }
    if (!extras.isEmpty())
        object.insert(QStringLiteral("extra_parameters"), extras);
    if (assertionAlgorithm)
        object.insert(QStringLiteral("assertion_alg"), QString::fromLatin1(crypto::jwa::name(*assertionAlgorithm)));
    return object;
}

Result<ProviderProfile> ProviderProfile::fromJson(const QJsonObject &object)
{
    ProviderProfile profile;
    profile.name = object.value(QStringLiteral("name")).toString();
    profile.issuer = object.value(QStringLiteral("issuer")).toString();
    profile.authorizationEndpoint = urlFrom(object, "authorization_endpoint");
    profile.tokenEndpoint = urlFrom(object, "token_endpoint");
    profile.jwksUri = urlFrom(object, "jwks_uri");
    profile.userinfoEndpoint = urlFrom(object, "userinfo_endpoint");
    profile.introspectionEndpoint = urlFrom(object, "introspection_endpoint");
    profile.revocationEndpoint = urlFrom(object, "revocation_endpoint");
    profile.clientId = object.value(QStringLiteral("client_id")).toString();
    auto method = parseClientAuthMethod(object.value(QStringLiteral("auth_method")).toString());
    if (!method)
        return method.error();
    profile.authMethod = *method;
    profile.scopes.clear();
    for (const QJsonValue &scope : object.value(QStringLiteral("scopes")).toArray())
        profile.scopes.append(scope.toString());
    for (const QJsonValue &pair : object.value(QStringLiteral("extra_parameters")).toArray())
        profile.extraParameters.append({pair.toArray().at(0).toString(), pair.toArray().at(1).toString()});
    const int port = object.value(QStringLiteral("redirect_port")).toInt();
    if (port < 0 || port > 65535)
        return invalid(QStringLiteral("The saved redirect port %1 is not a port number.").arg(port));
    profile.redirectPort = static_cast<quint16>(port);
    profile.redirectPath = object.value(QStringLiteral("redirect_path")).toString(QStringLiteral("/callback"));
    profile.ipv6 = object.value(QStringLiteral("ipv6")).toBool();
    if (object.contains(QStringLiteral("assertion_alg"))) {
        const QString name = object.value(QStringLiteral("assertion_alg")).toString();
        profile.assertionAlgorithm = crypto::jwa::fromName(name.toLatin1());
        if (!profile.assertionAlgorithm)
            return invalid(QStringLiteral("The saved assertion algorithm \"%1\" is not one Portcullis signs with.")
                               .arg(redaction::escapeUntrusted(name, 20)));
    }
    auto valid = profile.validate();
    if (!valid)
        return valid.error().withContext(QStringLiteral("saved profile"));
    return profile;
}

bool ProviderProfile::isValidName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9._@:-]{1,64}$"));
    return pattern.match(name).hasMatch();
}

QString ProviderProfile::defaultName() const
{
    const QUrl where = usesDiscovery() ? QUrl(issuer) : authorizationEndpoint;
    QString host = where.host();
    if (where.port() > 0)
        host += QLatin1Char(':') + QString::number(where.port());
    QString candidate = clientId.left(30) + QLatin1Char('@') + host.left(32);
    candidate.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._@:-]")), QStringLiteral("-"));
    return candidate.left(64);
}

} // namespace portcullis::oauth
