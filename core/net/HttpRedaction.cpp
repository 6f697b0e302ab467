#include "net/HttpRedaction.h"

#include <array>

#include <QRegularExpression>
#include <QUrlQuery>

namespace portcullis::net::redact {

namespace {

constexpr std::array<const char *, 15> SECRET_NAMES {
    "access_token",  "actor_token", "assertion",    "client_assertion", "client_secret", "code",
    "code_verifier", "device_code", "id_token",     "password",         "refresh_token", "registration_access_token",
    "subject_token", "token",       "logout_token",
};

QByteArray maskQueryItems(const QString &text)
{
    QUrlQuery query(text);
    auto items = query.queryItems(QUrl::FullyDecoded);
    bool changed = false;
    for (auto &item : items) {
        if (isSecretParameter(item.first.toUtf8())) {
            item.second = QString::fromLatin1(maskValue(item.second.toUtf8()));
            changed = true;
        }
    }
    if (!changed)
        return text.toUtf8();
    QUrlQuery masked;
    masked.setQueryItems(items);
    return masked.toString(QUrl::FullyEncoded).toUtf8();
}

} // namespace

bool isSecretParameter(QByteArrayView name)
{
    for (const char *secret : SECRET_NAMES) {
        if (name.compare(QByteArrayView(secret), Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray maskValue(QByteArrayView value)
{
    if (value.isEmpty())
        return QByteArrayLiteral("[empty]");
    return "[" + QByteArray::number(value.size()) + " chars hidden]";
}

QByteArray headerValue(QByteArrayView name, QByteArrayView value)
{
    if (name.compare("Authorization", Qt::CaseInsensitive) == 0
        || name.compare("Proxy-Authorization", Qt::CaseInsensitive) == 0) {
        const qsizetype space = value.indexOf(' ');
        if (space > 0 && space < 32)
            return value.first(space).toByteArray() + ' ' + maskValue(value.sliced(space + 1).trimmed());
        return maskValue(value);
    }
    if (name.compare("Cookie", Qt::CaseInsensitive) == 0 || name.compare("Set-Cookie", Qt::CaseInsensitive) == 0
        || name.compare("DPoP", Qt::CaseInsensitive) == 0)
        return maskValue(value);
    return value.toByteArray();
}

QByteArray formBody(QByteArrayView body)
{
    QByteArrayList parts = body.toByteArray().split('&');
    for (QByteArray &part : parts) {
        const qsizetype equals = part.indexOf('=');
        if (equals < 0)
            continue;
        const QByteArray name = QByteArray::fromPercentEncoding(QByteArray(part.first(equals)).replace('+', ' '));
        if (isSecretParameter(name))
            part = part.first(equals) + '=' + maskValue(QByteArray::fromPercentEncoding(part.sliced(equals + 1)));
    }
    return parts.join('&');
}

QByteArray jsonBody(QByteArrayView body)
{
    static const QRegularExpression member(QStringLiteral(R"re("([A-Za-z_]{1,40})"(\s*:\s*)"((?:[^"\\]|\\.)*)")re"));
    static const QRegularExpression bareJwt(
        QStringLiteral(R"re(^\s*[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*\s*$)re"));
    const QString text = QString::fromUtf8(body);
    if (bareJwt.match(text).hasMatch())
        return maskValue(body.trimmed());
    QString out;
    out.reserve(text.size());
    qsizetype last = 0;
    auto matches = member.globalMatch(text);
    while (matches.hasNext()) {
        const QRegularExpressionMatch match = matches.next();
        if (!isSecretParameter(match.captured(1).toUtf8()))
            continue;
        out += QStringView(text).sliced(last, match.capturedStart(3) - last);
        out += QString::fromLatin1(maskValue(match.captured(3).toUtf8()));
        last = match.capturedEnd(3);
    }
    out += QStringView(text).sliced(last);
    return out.toUtf8();
}

QUrl url(const QUrl &url)
{
    QUrl masked = url;
    if (url.hasQuery())
        masked.setQuery(QString::fromUtf8(maskQueryItems(url.query(QUrl::FullyEncoded))), QUrl::StrictMode);
    if (url.hasFragment())
        masked.setFragment(QString::fromUtf8(maskQueryItems(url.fragment(QUrl::FullyEncoded))), QUrl::StrictMode);
    return masked;
}

} // namespace portcullis::net::redact
