#include "RedisServer.h"

#include <csignal>

#include <QElapsedTimer>
#include <QFile>
#include <QStandardPaths>
#include <QStringBuilder>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include "common/Error.h"

namespace portcullis::test {

namespace {

constexpr int PORT_ATTEMPTS = 5;
constexpr int START_TIMEOUT_MS = 10000;

Error failure(const QString &detail)
{
    return Error(CommonError::Unsupported, detail);
}

int freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

// Whether a server on `port` answers PING (with PONG, or NOAUTH when it wants a password).
bool answers(int port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, quint16(port));
    if (!socket.waitForConnected(200))
        return false;
    socket.write("PING\r\n");
    if (!socket.waitForBytesWritten(200))
        return false;
    QByteArray reply;
    while (!reply.contains('\n') && socket.waitForReadyRead(500))
        reply += socket.readAll();
    return reply.startsWith("+PONG") || reply.startsWith("-NOAUTH");
}

bool processExists(qint64 pid)
{
    return pid > 0 && ::kill(pid_t(pid), 0) == 0;
}

} // namespace

RedisServer::RedisServer(Options options)
    : m_options(std::move(options))
{ }

Result<std::unique_ptr<RedisServer>> RedisServer::start(Options options)
{
    std::unique_ptr<RedisServer> server(new RedisServer(std::move(options)));
    server->m_program = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (server->m_program.isEmpty())
        server->m_program = QStandardPaths::findExecutable(QStringLiteral("redis-server"),
                                                           {QStringLiteral("/usr/bin"), QStringLiteral("/usr/sbin")});
    if (server->m_program.isEmpty())
        return failure(
            QStringLiteral("redis-server is not installed, and the Redis rate-limit tests need a real one. "
                           "Install the Debian package 'redis-server' (it is in packaging/debian-packages.txt; "
                           "sh packaging/devenv.sh deps installs it)."));
    if (!server->m_dir.isValid())
        return failure(QStringLiteral("No temporary directory for the Redis test server."));
    // Between finding a free port and Redis binding it, another process may take it: try a few.
    QString last;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; ++attempt) {
        server->m_port = freePort();
        if (server->m_port == 0)
            return failure(QStringLiteral("No free loopback port for the Redis test server."));
        auto launched = server->launch();
        if (launched)
            return server;
        last = launched.error().detail();
    }
    return failure(u"The Redis test server did not start: " % last);
}

QString RedisServer::url() const
{
    return u"redis://127.0.0.1:" % QString::number(m_port);
}

QString RedisServer::log() const
{
    QFile file(m_dir.filePath(QStringLiteral("redis.log")));
    return file.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(file.readAll().right(2000)) : QString();
}

Result<void> RedisServer::launch()
{
    QStringList arguments {m_program,
                           QStringLiteral("--port"),
                           QString::number(m_port),
                           QStringLiteral("--bind"),
                           QStringLiteral("127.0.0.1"),
                           QStringLiteral("--protected-mode"),
                           QStringLiteral("yes"),
                           QStringLiteral("--save"),
                           QString(),
                           QStringLiteral("--appendonly"),
                           QStringLiteral("no"),
                           QStringLiteral("--dir"),
                           m_dir.path(),
                           QStringLiteral("--logfile"),
                           m_dir.filePath(QStringLiteral("redis.log")),
                           QStringLiteral("--daemonize"),
                           QStringLiteral("no")};
    if (!m_options.password.isEmpty())
        arguments << QStringLiteral("--requirepass") << m_options.password;
    // The shell prints the server's process id, then waits for its standard input to close (this object going
    // away, or the test process dying) and stops the server.
    m_watchdog = std::make_unique<QProcess>();
    m_watchdog->start(QStringLiteral("sh"),
                      QStringList {QStringLiteral("-c"),
                                   QStringLiteral("\"$@\" </dev/null >/dev/null 2>&1 & server=$!; echo $server; "
                                                  "cat >/dev/null; kill -TERM $server 2>/dev/null; wait $server"),
                                   QStringLiteral("sh")}
                          + arguments);
    if (!m_watchdog->waitForStarted(5000))
        return failure(QStringLiteral("cannot run sh to start redis-server."));
    while (!m_watchdog->canReadLine() && m_watchdog->waitForReadyRead(5000)) { }
    m_pid = m_watchdog->readLine().trimmed().toLongLong();
    if (m_pid <= 0)
        return failure(QStringLiteral("the watchdog shell did not report the server's process id."));
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < START_TIMEOUT_MS) {
        if (answers(m_port))
            return {};
        if (!processExists(m_pid) || m_watchdog->state() == QProcess::NotRunning) {
            stop();
            return failure(u"redis-server exited at start: " % log());
        }
        QThread::msleep(20);
    }
    stop();
    return failure(u"redis-server did not answer PING within 10 s: " % log());
}

bool RedisServer::isRunning() const
{
    return processExists(m_pid) && m_watchdog && m_watchdog->state() == QProcess::Running;
}

void RedisServer::kill()
{
    if (m_pid > 0)
        ::kill(pid_t(m_pid), SIGKILL);
    stop();
}

Result<void> RedisServer::restart()
{
    stop();
    // The port may still be held for a moment by the dying process.
    Result<void> launched;
    for (int attempt = 0; attempt < 20; ++attempt) {
        launched = launch();
        if (launched)
            return {};
        QThread::msleep(100);
    }
    return launched;
}

void RedisServer::stop()
{
    if (!m_watchdog)
        return;
    if (m_watchdog->state() != QProcess::NotRunning) {
        m_watchdog->closeWriteChannel(); // the watchdog stops the server and waits for it
        if (!m_watchdog->waitForFinished(10000)) {
            if (m_pid > 0)
                ::kill(pid_t(m_pid), SIGKILL);
            m_watchdog->kill();
            m_watchdog->waitForFinished(5000);
        }
    }
    // Reaped by the watchdog; wait until the process is really gone so the port is free.
    QElapsedTimer waited;
    waited.start();
    while (processExists(m_pid) && waited.elapsed() < 5000)
        QThread::msleep(10);
    m_watchdog.reset();
    m_pid = 0;
}

RedisServer::~RedisServer()
{
    stop();
}

} // namespace portcullis::test
