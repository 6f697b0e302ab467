#include "monitor/WebhookPayload.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringBuilder>

#include "common/Redaction.h"
#include "crypto/Hmac.h"
#include "monitor/AlertError.h"

namespace portcullis::monitor {

namespace {

constexpr qsizetype MAX_URL_LENGTH = 4096;

QString slackEscaped(const QString &text)
{
    QString out = text;
    out.replace(u'&', QStringLiteral("&amp;"));
    out.replace(u'<', QStringLiteral("&lt;"));
    out.replace(u'>', QStringLiteral("&gt;"));
    return out;
}

bool isLoopbackHost(const QString &host)
{
    return host.compare(QStringLiteral("localhost"), Qt::CaseInsensitive) == 0 || QHostAddress(host).isLoopback();
}

} // namespace

QString slackText(const Alert &alert)
{
    return QStringLiteral("*[%1] Portcullis alert: %2*\n")
               .arg(severityName(alert.severity).toUpper(), slackEscaped(alert.rule))
        % slackEscaped(alert.summary);
}

QByteArray webhookBody(const Alert &alert, WebhookFormat format)
{
    const QJsonObject object
        = format == WebhookFormat::Slack ? QJsonObject {{QStringLiteral("text"), slackText(alert)}} : toJson(alert);
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray webhookSignature(const crypto::HmacKey &key, QByteArrayView timestamp, QByteArrayView body)
{
    QByteArray message;
    message.reserve(timestamp.size() + 1 + body.size());
    message.append(timestamp).append('.').append(body);
    return QByteArrayLiteral("sha256=") + key.mac(message).toHex();
}

QString redactedUrl(const QUrl &url)
{
    if (!url.isValid() || url.host().isEmpty())
        return QStringLiteral("(invalid URL)");
    const QString origin = url.toString(QUrl::RemoveUserInfo | QUrl::RemovePath | QUrl::RemoveQuery
                                        | QUrl::RemoveFragment | QUrl::FullyEncoded);
    const bool bare = (url.path().isEmpty() || url.path() == u"/") && !url.hasQuery();
    return origin + (bare ? QStringLiteral("/") : QStringLiteral("/…"));
}

Result<void> checkWebhookUrl(const QUrl &url)
{
    if (!url.isValid() || url.isRelative() || url.host().isEmpty() || url.toEncoded().size() > MAX_URL_LENGTH)
        return Error(AlertError::InvalidUrl,
                     QStringLiteral("The webhook URL is not an absolute URL with a host (of at most %1 characters); "
                                    "give one such as https://hooks.example.com/portcullis.")
                         .arg(MAX_URL_LENGTH));
    const QString target = redactedUrl(url);
    if (!url.userName().isEmpty() || !url.password().isEmpty())
        return Error(AlertError::InvalidUrl,
                     QStringLiteral("The webhook URL %1 carries a user name or password; they would travel with every "
                                    "alert and appear in errors. Remove them and use the signing secret to "
                                    "authenticate alerts.")
                         .arg(target));
    const QString scheme = url.scheme();
    if (scheme == u"https")
        return {};
    if (scheme == u"http") {
        if (isLoopbackHost(url.host()))
            return {};
        return Error(AlertError::InvalidUrl,
                     QStringLiteral("The webhook URL %1 uses plain http to another machine: alerts, and any token in "
                                    "the URL, would cross the network unencrypted. Use https (plain http is accepted "
                                    "only to 127.0.0.1, ::1 or localhost, for a local relay).")
                         .arg(target));
    }
    return Error(
        AlertError::InvalidUrl,
        QStringLiteral("The webhook URL has the scheme '%1'; use https.").arg(redaction::escapeUntrusted(scheme, 16)));
}

} // namespace portcullis::monitor
