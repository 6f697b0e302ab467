#include "ratelimit/RedisEndpoint.h"

#include <QStringBuilder>
#include <QUrl>
#include <QUrlQuery>

#include "ratelimit/RedisError.h"

namespace portcullis::ratelimit {

namespace {

const QString FORMS
    = QStringLiteral("Use redis://[[user]:password@]host[:port][/db] or unix:///path/to/redis.sock[?db=N].");

Error invalid(const QString &what)
{
    return Error(RedisError::InvalidUrl, what % u' ' % FORMS);
}

// A database number: decimal digits only, within the bound.
int parseDatabase(QStringView text)
{
    if (text.isEmpty() || text.size() > 4
        || !std::all_of(text.begin(), text.end(), [](QChar c) { return c.isDigit(); }))
        return -1;
    const int number = text.toInt();
    return number <= RedisEndpoint::MAX_DATABASE ? number : -1;
}

} // namespace

Result<RedisEndpoint> RedisEndpoint::parse(QStringView text)
{
    if (text.size() > MAX_URL_LENGTH)
        return invalid(QStringLiteral("The Redis URL is longer than %1 characters.").arg(MAX_URL_LENGTH));
    const QUrl url(text.toString(), QUrl::StrictMode);
    // The URL itself is never echoed: it may hold the password.
    if (!url.isValid())
        return invalid(QStringLiteral("The Redis URL is not a valid URL."));
    RedisEndpoint endpoint;
    const QString scheme = url.scheme();
    if (scheme == u"rediss")
        return invalid(QStringLiteral("TLS to Redis (rediss://) is not supported; reach Redis over loopback, a Unix "
                                      "socket or a TLS tunnel such as stunnel."));
    if (!url.fragment().isNull())
        return invalid(QStringLiteral("The Redis URL must not have a fragment (#…)."));
    if (scheme == u"unix") {
        endpoint.m_transport = Transport::Unix;
        if (!url.host().isEmpty() || url.port() != -1 || !url.userInfo().isEmpty())
            return invalid(QStringLiteral("A unix:// Redis URL names a socket path only (three slashes: "
                                          "unix:///run/redis.sock)."));
        endpoint.m_socketPath = url.path();
        if (!endpoint.m_socketPath.startsWith(u'/') || endpoint.m_socketPath.size() < 2)
            return invalid(QStringLiteral("The Redis socket path must be absolute."));
        const QUrlQuery query(url);
        const auto items = query.queryItems(QUrl::FullyDecoded);
        for (const auto &[name, value] : items) {
            if (name != u"db" || (endpoint.m_database = parseDatabase(value)) < 0)
                return invalid(QStringLiteral("The only query a unix:// Redis URL takes is db=N, N from 0 to %1.")
                                   .arg(MAX_DATABASE));
        }
        return endpoint;
    }
    if (scheme != u"redis")
        return invalid(QStringLiteral("The Redis URL must start with redis:// or unix://."));
    endpoint.m_host = url.host(QUrl::FullyDecoded);
    if (endpoint.m_host.isEmpty())
        return invalid(QStringLiteral("The Redis URL names no host."));
    endpoint.m_port = url.port(DEFAULT_PORT);
    if (endpoint.m_port <= 0)
        return invalid(QStringLiteral("The Redis port must be between 1 and 65535."));
    if (url.hasQuery())
        return invalid(QStringLiteral("A redis:// URL takes no query; put the database number in the path (/1)."));
    const QString path = url.path();
    if (!path.isEmpty() && path != u"/" && (endpoint.m_database = parseDatabase(QStringView(path).mid(1))) < 0)
        return invalid(
            QStringLiteral("The path of a Redis URL is the database number, 0 to %1 (/0).").arg(MAX_DATABASE));
    endpoint.m_user = url.userName(QUrl::FullyDecoded);
    const QString password = url.password(QUrl::FullyDecoded);
    if (!endpoint.m_user.isEmpty() && password.isEmpty())
        return invalid(QStringLiteral("The Redis URL names a user but no password (redis://user:password@host)."));
    if (!password.isEmpty())
        endpoint.m_password = crypto::SecretBytes(QByteArrayView(password.toUtf8()));
    return endpoint;
}

QString RedisEndpoint::description() const
{
    if (m_transport == Transport::Unix)
        return u"unix://" % m_socketPath % u"?db=" % QString::number(m_database);
    const QString host = m_host.contains(u':') ? u'[' % m_host % u']' : m_host;
    return u"redis://" % host % u':' % QString::number(m_port) % u'/' % QString::number(m_database);
}

} // namespace portcullis::ratelimit
