#include "oauth/FlowTokens.h"

#include <QJsonDocument>

#include "common/Clock.h"
#include "common/Redaction.h"
#include "oauth/FlowError.h"

namespace portcullis::oauth {

namespace {

constexpr qsizetype MAX_TOKEN_BYTES = 64 * 1024;
constexpr qint64 MAX_EXPIRES_IN = 10LL * 365 * 24 * 3600;

Error invalid(const QString &detail)
{
    return Error(FlowError::InvalidTokenResponse, detail);
}

Result<QByteArray> tokenMember(const QJsonObject &object, const QString &key, bool required)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull()) {
        if (required)
            return invalid(QStringLiteral("The token response has no %1; a successful response must carry one "
                                          "(RFC 6749 section 5.1).")
                               .arg(key));
        return QByteArray();
    }
    if (!value.isString() || value.toString().isEmpty())
        return invalid(QStringLiteral("The token response's %1 is not a non-empty string.").arg(key));
    QByteArray bytes = value.toString().toUtf8();
    if (bytes.size() > MAX_TOKEN_BYTES)
        return invalid(QStringLiteral("The token response's %1 is %2 bytes long, more than the %3 KiB Portcullis "
                                      "accepts.")
                           .arg(key)
                           .arg(bytes.size())
                           .arg(MAX_TOKEN_BYTES / 1024));
    return bytes;
}

} // namespace

Result<FlowTokens> FlowTokens::fromTokenResponse(QByteArrayView body, const Clock &clock, const FlowTokens *previous)
{
    QJsonParseError parseError {};
    const QJsonDocument document = QJsonDocument::fromJson(body.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return invalid(QStringLiteral("The token endpoint answered 200 but not with a JSON object; check that the "
                                      "token endpoint URL is right (a login page or proxy answers HTML)."));
    const QJsonObject object = document.object();
    FlowTokens tokens;
    auto access = tokenMember(object, QStringLiteral("access_token"), true);
    if (!access)
        return access.error();
    tokens.accessToken = *access;
    tokens.tokenType = object.value(QStringLiteral("token_type")).toString();
    if (tokens.tokenType.compare(QStringLiteral("Bearer"), Qt::CaseInsensitive) != 0)
        return invalid(QStringLiteral("The token type is \"%1\", not Bearer; Portcullis flows use bearer tokens "
                                      "(DPoP-bound tokens need a DPoP client).")
                           .arg(redaction::escapeUntrusted(tokens.tokenType, 40)));
    auto refresh = tokenMember(object, QStringLiteral("refresh_token"), false);
    if (!refresh)
        return refresh.error();
    tokens.refreshToken = refresh->isEmpty() && previous ? previous->refreshToken : *refresh;
    auto id = tokenMember(object, QStringLiteral("id_token"), false);
    if (!id)
        return id.error();
    tokens.idToken = id->isEmpty() && previous ? previous->idToken : *id;
    tokens.scope = object.value(QStringLiteral("scope")).toString(previous ? previous->scope : QString()).left(4096);
    tokens.obtainedAt = clock.nowUtc();
    const QJsonValue expiresIn = object.value(QStringLiteral("expires_in"));
    if (!expiresIn.isUndefined()) {
        // Some providers send the number as a string; RFC 6749 says a number. Accept both, refuse nonsense.
        bool ok = expiresIn.isDouble();
        qint64 seconds = static_cast<qint64>(expiresIn.toDouble());
        if (expiresIn.isString())
            seconds = expiresIn.toString().toLongLong(&ok);
        if (!ok || seconds < 0 || seconds > MAX_EXPIRES_IN)
            return invalid(QStringLiteral("The token response's expires_in is not a number of seconds."));
        tokens.expiresAt = tokens.obtainedAt.addSecs(seconds);
    }
    return tokens;
}

QByteArray FlowTokens::toSecretJson() const
{
    QJsonObject object {
        {QStringLiteral("access_token"), QString::fromUtf8(accessToken)},
        {QStringLiteral("token_type"), tokenType},
        {QStringLiteral("obtained_at"), obtainedAt.toUTC().toString(Qt::ISODate)},
    };
    if (!refreshToken.isEmpty())
        object.insert(QStringLiteral("refresh_token"), QString::fromUtf8(refreshToken));
    if (!idToken.isEmpty())
        object.insert(QStringLiteral("id_token"), QString::fromUtf8(idToken));
    if (!scope.isEmpty())
        object.insert(QStringLiteral("scope"), scope);
    if (expiresAt.isValid())
        object.insert(QStringLiteral("expires_at"), expiresAt.toUTC().toString(Qt::ISODate));
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

Result<FlowTokens> FlowTokens::fromSecretJson(QByteArrayView json)
{
    const QJsonDocument document = QJsonDocument::fromJson(json.toByteArray());
    if (!document.isObject() || !document.object().value(QStringLiteral("access_token")).isString())
        return invalid(QStringLiteral("The saved tokens are damaged; run the flow again (flow run)."));
    const QJsonObject object = document.object();
    FlowTokens tokens;
    tokens.accessToken = object.value(QStringLiteral("access_token")).toString().toUtf8();
    tokens.tokenType = object.value(QStringLiteral("token_type")).toString();
    tokens.refreshToken = object.value(QStringLiteral("refresh_token")).toString().toUtf8();
    tokens.idToken = object.value(QStringLiteral("id_token")).toString().toUtf8();
    tokens.scope = object.value(QStringLiteral("scope")).toString();
    tokens.obtainedAt = QDateTime::fromString(object.value(QStringLiteral("obtained_at")).toString(), Qt::ISODate);
    tokens.expiresAt = QDateTime::fromString(object.value(QStringLiteral("expires_at")).toString(), Qt::ISODate);
    return tokens;
}

} // namespace portcullis::oauth
