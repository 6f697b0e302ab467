#include "oauth/FlowDiagnosis.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "common/Redaction.h"
#include "oauth/FlowError.h"

namespace portcullis::oauth::diagnosis {

namespace {

QString likelyTokenCause(const QString &error, const QString &description, ClientAuthMethod method, int status)
{
    const QString lowered = description.toLower();
    if (error == QLatin1String("invalid_client") || status == 401)
        return QStringLiteral("The provider did not accept the client's authentication with %1. Check that the "
                              "client is registered for that method (token_endpoint_auth_method), that the client "
                              "id is right, and that the secret or key is the current one.")
            .arg(clientAuthMethodName(method));
    if (error == QLatin1String("invalid_grant")) {
        if (lowered.contains(QLatin1String("verifier")) || lowered.contains(QLatin1String("pkce")))
            return QStringLiteral("The PKCE code_verifier does not match the challenge sent with the authorization "
                                  "request: the code belongs to another flow attempt.");
        if (lowered.contains(QLatin1String("redirect")))
            return QStringLiteral("The redirect_uri differs from the one in the authorization request.");
        return QStringLiteral("The code (or refresh token) is invalid, expired, already used, or issued to another "
                              "client. Codes live for seconds to minutes and work once: run the flow again.");
    }
    if (error == QLatin1String("unauthorized_client"))
        return QStringLiteral("This client may not use this grant type: enable it in the client's registration.");
    if (error == QLatin1String("unsupported_grant_type"))
        return QStringLiteral("The provider does not support this grant type at this endpoint.");
    if (error == QLatin1String("invalid_scope"))
        return QStringLiteral("A requested scope is unknown to the provider or not allowed for this client.");
    if (error == QLatin1String("invalid_request") && lowered.contains(QLatin1String("redirect")))
        return QStringLiteral("The redirect URI is not registered for this client. Register "
                              "http://127.0.0.1/callback (any port, RFC 8252 section 7.3), or the fixed port you "
                              "chose.");
    if (status >= 500)
        return QStringLiteral("The provider failed on its side; try again, then look at the provider's logs.");
    if (status == 404 || status == 405)
        return QStringLiteral("Nothing answers there: check the endpoint URL (discovery gives the right one).");
    return QStringLiteral("See the provider's error above and the request in the transcript.");
}

QString likelyAuthorizationCause(const QString &error, const QString &description)
{
    const QString lowered = description.toLower();
    if (error == QLatin1String("access_denied"))
        return QStringLiteral("The user declined, or the provider's policy refused this client or user.");
    if (error == QLatin1String("invalid_request") && lowered.contains(QLatin1String("redirect")))
        return QStringLiteral("The redirect URI is not registered for this client. Register "
                              "http://127.0.0.1/callback (RFC 8252: loopback, any port) or your fixed port.");
    if (error == QLatin1String("invalid_request") && lowered.contains(QLatin1String("code_challenge")))
        return QStringLiteral("The provider refused the PKCE parameters; Portcullis sends S256 only and never plain.");
    if (error == QLatin1String("unauthorized_client"))
        return QStringLiteral("This client may not use the authorization-code flow: enable it in its registration.");
    if (error == QLatin1String("invalid_scope"))
        return QStringLiteral("A requested scope is unknown or not allowed for this client: remove it or allow it.");
    if (error == QLatin1String("login_required") || error == QLatin1String("consent_required")
        || error == QLatin1String("interaction_required"))
        return QStringLiteral("The provider needs the user to log in or consent, which prompt=none forbids.");
    if (error == QLatin1String("server_error") || error == QLatin1String("temporarily_unavailable"))
        return QStringLiteral("The provider failed on its side; try again later.");
    return QStringLiteral("See the provider's error; its documentation or logs say more.");
}

} // namespace

QString providerError(const QString &error, const QString &description)
{
    QString text = redaction::escapeUntrusted(error, 64);
    if (!description.isEmpty())
        text += QStringLiteral(" (") + redaction::escapeUntrusted(description, 300) + QLatin1Char(')');
    return text;
}

Error transport(const net::HttpExchange &exchange, const QString &what)
{
    return Error(FlowError::HttpFailed,
                 QStringLiteral("The %1 at %2 did not answer: %3. Check the URL and that the "
                                "provider is reachable from this machine.")
                     .arg(what, exchange.request.url.toDisplayString(QUrl::RemoveQuery), exchange.transportError));
}

Error tokenEndpoint(const net::HttpExchange &exchange, ClientAuthMethod method, const QString &what)
{
    if (!exchange.hasResponse())
        return transport(exchange, what);
    const QJsonObject body = QJsonDocument::fromJson(exchange.responseBody).object();
    const QString error = body.value(QStringLiteral("error")).toString();
    const QString description = body.value(QStringLiteral("error_description")).toString();
    const QString answer = error.isEmpty()
        ? QStringLiteral("HTTP %1").arg(exchange.status)
        : QStringLiteral("HTTP %1, %2").arg(exchange.status).arg(providerError(error, description));
    return Error(FlowError::TokenRequestFailed,
                 QStringLiteral("The %1 refused the request: %2. Likely cause: %3")
                     .arg(what, answer, likelyTokenCause(error, description, method, exchange.status)));
}

Error authorization(const QUrlQuery &callback)
{
    const QString error = callback.queryItemValue(QStringLiteral("error"), QUrl::FullyDecoded);
    const QString description = callback.queryItemValue(QStringLiteral("error_description"), QUrl::FullyDecoded);
    return Error(FlowError::AuthorizationDenied,
                 QStringLiteral("The provider answered the authorization request with an error: %1. Likely cause: %2")
                     .arg(providerError(error, description), likelyAuthorizationCause(error, description)));
}

} // namespace portcullis::oauth::diagnosis
