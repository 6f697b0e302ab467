#pragma once

#include <QString>
#include <QStringView>

#include "common/Result.h"
#include "crypto/SecretBytes.h"

namespace portcullis::ratelimit {

// Where a Redis server is and how to log in, parsed from a URL:
//   redis://[[user]:password@]host[:port][/db]   TCP; port 6379 and database 0 by default; IPv6 as [::1]
//   unix:///path/to/redis.sock[?db=N]            a Unix socket
// The password (percent-encoded in the URL) is kept in SecretBytes and never appears in description() or in any
// error. TLS (rediss://) is not supported by the hiredis build Portcullis uses. Move-only (it holds the password).
class RedisEndpoint
{
public:
    enum class Transport
    {
        Tcp,
        Unix,
    };

    static constexpr qsizetype MAX_URL_LENGTH = 2048;
    static constexpr int MAX_DATABASE = 9999;
    static constexpr int DEFAULT_PORT = 6379;

    [[nodiscard]] static Result<RedisEndpoint> parse(QStringView url);

    [[nodiscard]] Transport transport() const { return m_transport; }
    [[nodiscard]] const QString &host() const { return m_host; } // TCP: a name or an address (no brackets)
    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] const QString &socketPath() const { return m_socketPath; } // Unix socket
    [[nodiscard]] int database() const { return m_database; }
    [[nodiscard]] const QString &user() const { return m_user; } // empty: AUTH with the password only
    [[nodiscard]] const crypto::SecretBytes &password() const { return m_password; }

    // The URL without user name and password, for logs, errors and events: "redis://127.0.0.1:6379/0".
    [[nodiscard]] QString description() const;

private:
    RedisEndpoint() = default;

    Transport m_transport = Transport::Tcp;
    QString m_host;
    int m_port = DEFAULT_PORT;
    QString m_socketPath;
    int m_database = 0;
    QString m_user;
    crypto::SecretBytes m_password;
};

} // namespace portcullis::ratelimit
