#include "store/DatabaseLocation.h"

#include <QDir>
#include <QFileInfo>
#include <QStringBuilder>
#include <QUrl>
#include <QUrlQuery>

#include "store/StoreError.h"

namespace portcullis::store {

namespace {

constexpr qsizetype MAX_LOCATION_LENGTH = 4096;

// libpq options an operator may pass in the URL's query; anything else is refused rather than ignored.
const QStringList PASSED_OPTIONS = {
    QStringLiteral("sslmode"),
    QStringLiteral("sslrootcert"),
    QStringLiteral("sslcert"),
    QStringLiteral("sslkey"),
    QStringLiteral("connect_timeout"),
    QStringLiteral("application_name"),
    QStringLiteral("target_session_attrs"),
};

Error invalid(const QString &detail)
{
    return Error(StoreError::InvalidLocation, detail);
}

Result<DatabaseLocation> parsePostgres(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return invalid(
            QStringLiteral("The PostgreSQL URL is not valid. Write it as "
                           "postgresql://user@host:port/database (the password in PGPASSWORD or ~/.pgpass)."));
    DatabaseLocation location;
    location.dialect = Dialect::Postgres;
    location.host = url.host();
    location.port = url.port(5432);
    location.user = url.userName(QUrl::FullyDecoded);
    location.password = url.password(QUrl::FullyDecoded);
    location.database = url.path(QUrl::FullyDecoded).mid(1);
    if (location.database.isEmpty() || location.database.contains(u'/'))
        return invalid(QStringLiteral("The PostgreSQL URL names no database. Add it as the path: "
                                      "postgresql://host:port/portcullis."));
    QStringList options;
    options << QStringLiteral("connect_timeout=10");
    const QUrlQuery query(url);
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (!PASSED_OPTIONS.contains(key))
            return invalid(u"The PostgreSQL URL has the option '" % key
                           % u"', which Portcullis does not pass on. Known options: " % PASSED_OPTIONS.join(u", ")
                           % u'.');
        if (value.contains(u';') || value.contains(u'='))
            return invalid(u"The PostgreSQL option '" % key % u"' has a value with ';' or '=', which is not allowed.");
        if (key == u"connect_timeout")
            options.removeFirst();
        options << key % u'=' % value;
    }
    location.options = options.join(u';');
    return location;
}

} // namespace

DatabaseLocation DatabaseLocation::sqliteFile(const QString &path)
{
    DatabaseLocation location;
    location.path = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    return location;
}

Result<DatabaseLocation> DatabaseLocation::parse(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return invalid(QStringLiteral("The store location is empty. Give a SQLite file path or a postgresql:// URL."));
    if (trimmed.size() > MAX_LOCATION_LENGTH)
        return invalid(QStringLiteral("The store location is longer than 4096 characters."));
    if (trimmed.startsWith(u"postgresql://") || trimmed.startsWith(u"postgres://"))
        return parsePostgres(trimmed);
    QString path = trimmed;
    if (path.startsWith(u"sqlite://"))
        path = path.mid(9);
    else if (path.startsWith(u"sqlite:"))
        path = path.mid(7);
    else if (path.contains(u"://"))
        return invalid(u"The store location '" % trimmed.left(64)
                       % u"' uses a scheme Portcullis does not know. Use a SQLite file path (or sqlite:PATH) "
                         u"or postgresql://host/database.");
    if (path.isEmpty())
        return invalid(QStringLiteral("The SQLite store location names no file."));
    return sqliteFile(path);
}

QString DatabaseLocation::displayName() const
{
    if (dialect == Dialect::Sqlite)
        return u"SQLite " % path;
    QString name = QStringLiteral("PostgreSQL postgresql://");
    if (!user.isEmpty())
        name += user % u'@';
    return name % host % u':' % QString::number(port) % u'/' % database;
}

} // namespace portcullis::store
