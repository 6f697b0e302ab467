#include "store/Database.h"

#include <atomic>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringBuilder>
#include <QThread>

#include "crypto/Random.h"
#include "store/Meta.h"
#include "store/Migrations.h"
#include "store/Sql.h"
#include "store/StoreError.h"

namespace portcullis::store {

namespace {

std::atomic<quint64> s_nextDatabase {1};
const QString WORKSPACE_ID = QStringLiteral("workspace.id");

// The connections a thread opened; removed when the thread ends, on that thread.
struct ThreadConnections
{
    std::vector<QString> names;
    ~ThreadConnections()
    {
        for (const QString &name : names)
            QSqlDatabase::removeDatabase(name);
    }
};

thread_local ThreadConnections t_connections;

QString threadTag()
{
    return QString::number(reinterpret_cast<quintptr>(QThread::currentThreadId()), 16);
}

Result<void> runPragma(const QSqlDatabase &db, const QString &pragma, const QString &expected = QString())
{
    auto query = sql::run(db, QStringLiteral("Configuring the SQLite connection"), pragma);
    if (!query)
        return query.error();
    if (!expected.isEmpty() && (!query->next() || query->value(0).toString().compare(expected, Qt::CaseInsensitive))) {
        return Error(StoreError::OpenFailed,
                     u"SQLite refused '" % pragma % u"'. The file system may not support it (WAL needs a local disk).");
    }
    return {};
}

} // namespace

Database::Database(DatabaseLocation location, Options options)
    : m_location(std::move(location))
    , m_options(options)
    , m_connectionPrefix(u"portcullis-" % QString::number(s_nextDatabase.fetch_add(1)) % u'-')
{ }

Database::~Database()
{
    const std::lock_guard lock(m_mutex);
    for (const QString &name : std::as_const(m_connectionNames)) {
        if (QSqlDatabase::contains(name)) {
            QSqlDatabase::database(name, false).close();
            QSqlDatabase::removeDatabase(name);
        }
    }
}

Result<std::shared_ptr<Database>> Database::open(const DatabaseLocation &location, Options options)
{
    std::shared_ptr<Database> database(new Database(location, options));
    if (location.dialect == Dialect::Sqlite) {
        if (auto prepared = database->prepareFile(); !prepared)
            return prepared.error();
    }
    if (auto migrated = database->migrate(); !migrated)
        return migrated.error();
    if (auto read = database->readWorkspaceId(); !read)
        return read.error();
    return database;
}

Result<void> Database::prepareFile()
{
    const QFileInfo info(m_location.path);
    if (info.exists()) {
        if (!info.isFile())
            return Error(StoreError::InvalidLocation,
                         u"The store location " % m_location.path
                             % u" exists but is not a file. Name a database file.");
        if (!info.isReadable() || !info.isWritable())
            return Error(StoreError::OpenFailed,
                         u"The database " % m_location.path
                             % u" cannot be read and written by this user. Fix its permissions or ownership.");
        return {};
    }
    if (!m_options.createIfMissing)
        return Error(StoreError::NotFound, u"There is no database at " % m_location.path % u'.');
    const QString folder = info.absolutePath();
    if (!QDir().mkpath(folder))
        return Error(StoreError::OpenFailed,
                     u"The folder " % folder % u" cannot be created. Check the path and its permissions.");
    QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    // An empty file is an empty SQLite database; creating it here sets mode 0600, which SQLite gives the
    // -wal and -shm files too.
    const QByteArray native = QFile::encodeName(m_location.path);
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return Error(StoreError::OpenFailed,
                     u"The database " % m_location.path % u" cannot be created: "
                         % QString::fromLocal8Bit(strerror(errno)) % u'.');
    ::close(fd);
    m_created = true;
    return {};
}

Result<void> Database::migrate()
{
    auto db = connection();
    if (!db)
        return db.error();
    auto current = migrations::currentVersion(*db);
    if (!current)
        return current.error();
    if (*current == migrations::latestVersion()) {
        m_schemaVersion = *current;
        return {};
    }
    if (*current > migrations::latestVersion())
        return migrations::apply(*db, m_location.dialect).error();
    if (*current == 0 && m_location.dialect == Dialect::Postgres)
        m_created = true;
    int reached = 0;
    auto migrated = transaction([&](const QSqlDatabase &connection) -> Result<void> {
        if (m_location.dialect == Dialect::Postgres) {
            // Two instances migrating one server at once: the second waits, then finds nothing to do.
            if (auto locked = sql::run(connection, QStringLiteral("Locking the schema"),
                                       QStringLiteral("SELECT pg_advisory_xact_lock(7368424015)"));
                !locked)
                return locked.error();
        }
        auto applied = migrations::apply(connection, m_location.dialect);
        if (!applied)
            return applied.error();
        reached = *applied;
        auto existing = meta::read(connection, WORKSPACE_ID);
        if (!existing)
            return existing.error();
        if (*existing)
            return {};
        auto id = crypto::random::bytes(16);
        if (!id)
            return id.error();
        return meta::write(connection, WORKSPACE_ID, QString::fromLatin1(id->toHex()));
    });
    if (!migrated)
        return migrated.error();
    m_schemaVersion = reached;
    return {};
}

Result<void> Database::readWorkspaceId()
{
    auto db = connection();
    if (!db)
        return db.error();
    auto id = meta::read(*db, WORKSPACE_ID);
    if (!id)
        return id.error();
    if (!*id || (*id)->isEmpty())
        return Error(StoreError::Corrupt, u"The store " % m_location.displayName() % u" has lost its workspace id.");
    m_workspaceId = **id;
    return {};
}

Result<QSqlDatabase> Database::connection() const
{
    const QString name = m_connectionPrefix + threadTag();
    if (QSqlDatabase::contains(name))
        return QSqlDatabase::database(name, false);
    return openConnection(name);
}

Result<QSqlDatabase> Database::openConnection(const QString &name) const
{
    const bool sqlite = m_location.dialect == Dialect::Sqlite;
    const QString driver = sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL");
    if (!QSqlDatabase::isDriverAvailable(driver))
        return Error(StoreError::OpenFailed,
                     u"The Qt SQL driver " % driver % u" is not installed (Debian: "
                         % (sqlite ? u"libqt6sql6-sqlite" : u"libqt6sql6-psql") % u").");
    QSqlDatabase db = QSqlDatabase::addDatabase(driver, name);
    {
        const std::lock_guard lock(m_mutex);
        m_connectionNames << name;
    }
    t_connections.names.push_back(name);
    if (sqlite) {
        db.setDatabaseName(m_location.path);
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=" % QString::number(m_options.busyTimeoutMs));
    } else {
        db.setHostName(m_location.host);
        db.setPort(m_location.port);
        db.setDatabaseName(m_location.database);
        db.setUserName(m_location.user);
        db.setPassword(m_location.password);
        db.setConnectOptions(m_location.options);
    }
    const QString doing = u"Opening " % m_location.displayName();
    if (!db.open()) {
        const Error error = sql::errorFrom(db.lastError(), doing);
        return Error(StoreError::OpenFailed, error.detail());
    }
    if (sqlite) {
        for (const auto &[pragma, expected] :
             {std::pair {QStringLiteral("PRAGMA journal_mode=WAL"), QStringLiteral("wal")},
              std::pair {QStringLiteral("PRAGMA synchronous=FULL"), QString()},
              std::pair {QStringLiteral("PRAGMA foreign_keys=ON"), QString()}}) {
            if (auto done = runPragma(db, pragma, expected); !done) {
                db.close();
                if (done.error().is(StoreError::Corrupt))
                    return Error(StoreError::Corrupt,
                                 u"The file " % m_location.path
                                     % u" is not a Portcullis database or is damaged. Move it aside and restore a "
                                       u"backup; Portcullis will not replace it with an empty store.");
                return done.error();
            }
        }
    } else {
        if (auto done = sql::run(db, doing, QStringLiteral("SET client_min_messages TO WARNING")); !done)
            return done.error();
    }
    return db;
}

Result<void> Database::transaction(const std::function<Result<void>(const QSqlDatabase &)> &work) const
{
    auto db = connection();
    if (!db)
        return db.error();
    const QString begin
        = m_location.dialect == Dialect::Sqlite ? QStringLiteral("BEGIN IMMEDIATE") : QStringLiteral("BEGIN");
    if (auto begun = sql::run(*db, QStringLiteral("Starting a transaction"), begin); !begun)
        return begun.error();
    Result<void> outcome = work(*db);
    if (outcome) {
        if (auto committed = sql::run(*db, QStringLiteral("Committing"), QStringLiteral("COMMIT")); committed)
            return {};
        else
            outcome = committed.error();
    }
    (void)sql::run(*db, QStringLiteral("Rolling back"), QStringLiteral("ROLLBACK"));
    return outcome;
}

QString Database::blobType() const
{
    return m_location.dialect == Dialect::Postgres ? QStringLiteral("BYTEA") : QStringLiteral("BLOB");
}

} // namespace portcullis::store
