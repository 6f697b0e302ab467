#include "PostgresCluster.h"

#include <unistd.h>

#include <QCollator>
#include <QDir>
#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringBuilder>
#include <QTcpServer>
#include <QThread>

#include "common/Error.h"

namespace portcullis::test {

namespace {

constexpr uid_t NOBODY = 65534;
const QString USER = QStringLiteral("portcullis");

Error failure(const QString &detail)
{
    return Error(CommonError::Unsupported, detail);
}

QString findBinDir()
{
    QStringList versions = QDir(QStringLiteral("/usr/lib/postgresql")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QCollator numeric;
    numeric.setNumericMode(true);
    std::sort(versions.begin(), versions.end(),
              [&](const QString &a, const QString &b) { return numeric.compare(a, b) > 0; });
    for (const QString &version : versions) {
        const QString bin = u"/usr/lib/postgresql/" % version % u"/bin";
        if (QFile::exists(bin + QStringLiteral("/initdb")) && QFile::exists(bin + QStringLiteral("/postgres")))
            return bin;
    }
    return {};
}

int freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

} // namespace

QStringList PostgresCluster::asClusterUser(const QString &program, const QStringList &arguments) const
{
    if (::geteuid() != 0)
        return QStringList {program} + arguments;
    return QStringList {QStringLiteral("setpriv"), u"--reuid=" % QString::number(NOBODY),
                        u"--regid=" % QString::number(NOBODY), QStringLiteral("--clear-groups"), program}
    + arguments;
}

QByteArray PostgresCluster::readLog() const
{
    QFile log(m_dir.filePath(QStringLiteral("server.log")));
    return log.open(QIODevice::ReadOnly) ? log.readAll() : QByteArray();
}

Result<void> PostgresCluster::run(const QString &program, const QStringList &arguments)
{
    const QStringList command = asClusterUser(program, arguments);
    QProcess process;
    process.setWorkingDirectory(m_dir.path());
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(command.first(), command.mid(1));
    if (!process.waitForFinished(120000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return failure(u"PostgreSQL test cluster: '" % command.join(u' ') % u"' failed: "
                       % QString::fromLocal8Bit(process.readAll()).right(2000));
    return {};
}

Result<std::unique_ptr<PostgresCluster>> PostgresCluster::start()
{
    std::unique_ptr<PostgresCluster> cluster(new PostgresCluster);
    cluster->m_binDir = findBinDir();
    if (cluster->m_binDir.isEmpty())
        return failure(QStringLiteral("The PostgreSQL server is not installed (no /usr/lib/postgresql/*/bin/initdb). "
                                      "Install the Debian package 'postgresql' (sh packaging/devenv.sh deps does)."));
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
        return failure(QStringLiteral("The Qt PostgreSQL driver is missing: install libqt6sql6-psql."));
    if (!cluster->m_dir.isValid())
        return failure(QStringLiteral("No temporary directory for the PostgreSQL test cluster."));
    const QString root = cluster->m_dir.path();
    if (::geteuid() == 0 && ::chown(QFile::encodeName(root).constData(), NOBODY, NOBODY) != 0)
        return failure(u"Cannot hand " % root % u" to the user nobody.");
    const QString data = root + QStringLiteral("/data");
    if (auto made = cluster->run(cluster->m_binDir + QStringLiteral("/initdb"),
                                 {QStringLiteral("-D"), data, QStringLiteral("-U"), USER, QStringLiteral("-A"),
                                  QStringLiteral("trust"), QStringLiteral("-E"), QStringLiteral("UTF8"),
                                  QStringLiteral("--locale=C"), QStringLiteral("--no-sync")});
        !made)
        return made.error();

    cluster->m_port = freePort();
    const QStringList server = cluster->asClusterUser(
        cluster->m_binDir + QStringLiteral("/postgres"),
        {QStringLiteral("-D"), data, QStringLiteral("-p"), QString::number(cluster->m_port), QStringLiteral("-k"), root,
         QStringLiteral("-c"), QStringLiteral("listen_addresses=127.0.0.1"), QStringLiteral("-c"),
         QStringLiteral("fsync=off"), QStringLiteral("-c"), QStringLiteral("full_page_writes=off"),
         QStringLiteral("-c"), QStringLiteral("max_connections=200")});
    // A watchdog shell owns the server: when this process goes away for any reason (even SIGKILL), its end of
    // the watchdog's standard input closes and the server gets PostgreSQL's fast shutdown (SIGINT).
    cluster->m_server.setProcessChannelMode(QProcess::MergedChannels);
    cluster->m_server.setStandardOutputFile(root + QStringLiteral("/server.log"));
    cluster->m_server.start(QStringLiteral("sh"),
                            QStringList {QStringLiteral("-c"),
                                         QStringLiteral("\"$@\" </dev/null & server=$!; cat >/dev/null; "
                                                        "kill -INT $server; wait $server"),
                                         QStringLiteral("sh")}
                                + server);
    if (!cluster->m_server.waitForStarted(10000))
        return failure(QStringLiteral("The PostgreSQL test server did not start."));

    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 30000) {
        {
            QSqlDatabase probe = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("pg-probe"));
            probe.setHostName(QStringLiteral("127.0.0.1"));
            probe.setPort(cluster->m_port);
            probe.setUserName(USER);
            probe.setDatabaseName(QStringLiteral("postgres"));
            const bool up = probe.open();
            probe.close();
            if (up) {
                probe = QSqlDatabase();
                QSqlDatabase::removeDatabase(QStringLiteral("pg-probe"));
                return cluster;
            }
        }
        QSqlDatabase::removeDatabase(QStringLiteral("pg-probe"));
        if (cluster->m_server.state() == QProcess::NotRunning)
            return failure(u"The PostgreSQL test server exited at start: "
                           % QString::fromLocal8Bit(cluster->readLog()).right(2000));
        QThread::msleep(100);
    }
    return failure(QStringLiteral("The PostgreSQL test server did not accept connections within 30 s."));
}

PostgresCluster::~PostgresCluster()
{
    if (m_server.state() != QProcess::NotRunning) {
        m_server.closeWriteChannel(); // the watchdog stops the server and waits for it
        if (!m_server.waitForFinished(30000)) {
            m_server.kill();
            m_server.waitForFinished(5000);
        }
    }
}

Result<QString> PostgresCluster::createDatabase()
{
    const QString name = u"t" % QString::number(++m_databases);
    {
        QSqlDatabase admin = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("pg-admin"));
        admin.setHostName(QStringLiteral("127.0.0.1"));
        admin.setPort(m_port);
        admin.setUserName(USER);
        admin.setDatabaseName(QStringLiteral("postgres"));
        if (!admin.open())
            return failure(u"Cannot reach the PostgreSQL test server: " % admin.lastError().text());
        QSqlQuery query(admin);
        const bool created = query.exec(u"CREATE DATABASE " % name);
        const QString why = query.lastError().text();
        query = QSqlQuery();
        admin.close();
        if (!created)
            return failure(u"CREATE DATABASE failed: " % why);
    }
    QSqlDatabase::removeDatabase(QStringLiteral("pg-admin"));
    return QString(u"postgresql://" % USER % u"@127.0.0.1:" % QString::number(m_port) % u'/' % name);
}

} // namespace portcullis::test
