#include "oauth/EndpointUrl.h"

#include <QHostAddress>
#include <QStringBuilder>

#include "common/Redaction.h"
#include "oauth/FlowError.h"

namespace portcullis::oauth {

namespace {

constexpr qsizetype MAX_URL_LENGTH = 2048;
constexpr qsizetype SHOWN_LENGTH = 200;

const QString OPENID_SUFFIX = QStringLiteral("/.well-known/openid-configuration");
const QString OAUTH_PREFIX = QStringLiteral("/.well-known/oauth-authorization-server");

QString shown(const QString &text)
{
    return redaction::escapeUntrusted(text, SHOWN_LENGTH);
}

enum class Kind
{
    Issuer,
    Endpoint,
};

// One URL check: what is checked, where it came from, and how a refusal is worded.
struct Check
{
    const QString &text;
    const QString &what;
    Kind kind;
    UrlSource source;

    // A malformed URL: `problem` says what is wrong, `fix` what to do when the operator typed it. A URL from the
    // provider's document cannot be fixed here, so its refusal says how to go on without it.
    Error malformed(const QString &problem, const QString &fix) const
    {
        if (source == UrlSource::Metadata)
            return Error(FlowError::InvalidMetadata,
                         QStringLiteral("the provider's metadata names the %1 \"%2\", which %3; the document cannot be "
                                        "used as published: enter the endpoints by hand, or tell the provider")
                             .arg(what, shown(text), problem));
        return Error(FlowError::InvalidProfile,
                     QStringLiteral("the %1 \"%2\" %3; %4").arg(what, shown(text), problem, fix));
    }
};

// The authority as written, between "//" and the first "/", "?" or "#": QUrl drops an empty user info ("https://@h"),
// so "@" is looked for in the text itself.
QStringView writtenAuthority(const QString &text)
{
    const qsizetype start = text.indexOf(QStringLiteral("//"));
    if (start < 0)
        return {};
    const QStringView rest = QStringView(text).mid(start + 2);
    for (qsizetype i = 0; i < rest.size(); ++i) {
        if (rest[i] == u'/' || rest[i] == u'?' || rest[i] == u'#')
            return rest.left(i);
    }
    return rest;
}

Result<QUrl> checkUrl(const Check &check)
{
    const QString &text = check.text;
    const QString form = QStringLiteral("enter it as https://host/path");
    if (text.isEmpty())
        return check.malformed(QStringLiteral("is empty"), form);
    if (text.size() > MAX_URL_LENGTH)
        return check.malformed(
            QStringLiteral("is %1 characters long, over the %2 accepted").arg(text.size()).arg(MAX_URL_LENGTH),
            QStringLiteral("use a shorter URL"));
    // StrictMode refuses spaces, control characters and stray "%" instead of quietly encoding them, so the URL used
    // is the URL written.
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return check.malformed(QStringLiteral("is not a valid URL (%1)").arg(shown(url.errorString())), form);
    if (url.isRelative())
        return check.malformed(QStringLiteral("is not an absolute URL"), form);
    const QString scheme = url.scheme();
    if (scheme != u"https" && scheme != u"http")
        return check.malformed(QStringLiteral("uses the scheme \"%1\"").arg(shown(scheme)),
                               QStringLiteral("only https:// is accepted (and http:// on this machine)"));
    if (url.host().isEmpty())
        return check.malformed(QStringLiteral("has no host"), form);
    if (writtenAuthority(text).contains(u'@'))
        return check.malformed(QStringLiteral("holds user info (\"user@\")"),
                               QStringLiteral("remove it: credentials never go in a provider URL"));
    if (url.hasFragment())
        return check.malformed(QStringLiteral("has a fragment (\"#…\")"),
                               QStringLiteral("remove it: no issuer or endpoint URL has one"));
    if (check.kind == Kind::Issuer && url.hasQuery())
        return check.malformed(QStringLiteral("has a query (\"?…\")"),
                               QStringLiteral("remove it: an issuer never has one (RFC 8414 section 2)"));
    if (scheme == u"http" && !isLoopbackHost(url.host())) {
        const bool fromMetadata = check.source == UrlSource::Metadata;
        const QString subject = fromMetadata ? QStringLiteral("the provider's metadata names the %1 \"%2\", which")
                                             : QStringLiteral("the %1 \"%2\"");
        const QString fix = fromMetadata
            ? QStringLiteral("the provider must publish https:// endpoints, or enter them by hand")
            : QStringLiteral("use its https:// URL");
        return Error(FlowError::InsecureEndpoint,
                     subject.arg(check.what, shown(text))
                         % QStringLiteral(" uses plain http to %1, where codes, tokens and secrets could be read or "
                                          "changed on the way; %2 (http:// is accepted only for 127.0.0.1, [::1] and "
                                          "localhost)")
                               .arg(shown(url.host()), fix));
    }
    return url;
}

} // namespace

bool isLoopbackHost(const QString &host)
{
    if (host.compare(QStringLiteral("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    if (address.protocol() == QAbstractSocket::IPv4Protocol)
        return (address.toIPv4Address() >> 24) == 127;
    return address.protocol() == QAbstractSocket::IPv6Protocol && address == QHostAddress(QHostAddress::LocalHostIPv6);
}

Result<QUrl> parseIssuer(const QString &text)
{
    const QString what = QStringLiteral("issuer");
    return checkUrl({text, what, Kind::Issuer, UrlSource::Profile});
}

Result<QUrl> checkEndpoint(const QString &text, const QString &what, UrlSource source)
{
    return checkUrl({text, what, Kind::Endpoint, source});
}

QList<QUrl> discoveryUrls(const QUrl &issuer)
{
    QString path = issuer.path(QUrl::FullyEncoded);
    if (path.endsWith(u'/'))
        path.chop(1);
    QUrl openId = issuer;
    openId.setPath(path % OPENID_SUFFIX, QUrl::TolerantMode);
    QUrl oauth = issuer;
    oauth.setPath(OAUTH_PREFIX % path, QUrl::TolerantMode);
    QList<QUrl> urls {openId};
    if (oauth != openId)
        urls.append(oauth);
    return urls;
}

} // namespace portcullis::oauth
