#include "OidcProvider.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLockFile>
#include <QProcessEnvironment>
#include <QSaveFile>
#include <QStandardPaths>
#include <QStringBuilder>

#include "common/Error.h"
#include "crypto/Random.h"

namespace portcullis::test {

namespace {

constexpr qsizetype MAX_STDERR = 64 * 1024;
const QStringList PACKAGE_FILES {QStringLiteral("package.json"), QStringLiteral("package-lock.json"),
                                 QStringLiteral("provider.mjs")};

Error failure(CommonError code, const QString &detail)
{
    return Error(code, detail);
}

QString tail(const QByteArray &text)
{
    return QString::fromUtf8(text.right(4000)).trimmed();
}

Result<QByteArray> readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return failure(CommonError::IoError, u"cannot read " % path % u": " % file.errorString());
    return file.readAll();
}

// Writes `content` unless the file already holds it: a provider started by another test program may be reading it.
Result<void> writeIfChanged(const QString &path, const QByteArray &content)
{
    QFile current(path);
    if (current.open(QIODevice::ReadOnly) && current.readAll() == content)
        return {};
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size() || !file.commit())
        return failure(CommonError::IoError, u"cannot write " % path % u": " % file.errorString());
    return {};
}

// Copies package.json, the lockfile and provider.mjs into `directory` and runs `npm ci` there when node_modules is
// missing or was installed from another lockfile. Test programs run in parallel, so a lock file serialises this.
Result<void> ensureInstalled(const QString &directory, std::chrono::milliseconds timeout)
{
    if (!QDir().mkpath(directory))
        return failure(CommonError::IoError, u"cannot create " % directory);
    QLockFile lock(directory + QStringLiteral(".lock"));
    lock.setStaleLockTime(int(timeout.count()) + 60'000);
    if (!lock.tryLock(int(timeout.count())))
        return failure(CommonError::Timeout,
                       u"another test program held " % lock.fileName() % u" (npm ci) for too long; remove it if stale");
    QCryptographicHash stamp(QCryptographicHash::Sha256);
    for (const QString &name : PACKAGE_FILES) {
        auto content = readFile(QStringLiteral(PORTCULLIS_OIDC_SOURCE_DIR "/") + name);
        if (!content)
            return content.error();
        if (name != QLatin1String("provider.mjs"))
            stamp.addData(*content);
        if (auto written = writeIfChanged(directory + u'/' + name, *content); !written)
            return written.error();
    }
    const QByteArray wanted = stamp.result().toHex();
    const QString stampPath = directory + QStringLiteral("/node_modules/.portcullis-lock-sha256");
    if (QFile stampFile(stampPath); stampFile.open(QIODevice::ReadOnly) && stampFile.readAll().trimmed() == wanted)
        return {};

    const QString npm = QStandardPaths::findExecutable(QStringLiteral("npm"));
    QProcess process;
    process.setWorkingDirectory(directory);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    // One npm cache for the build tree: each test program has a HOME of its own.
    environment.insert(QStringLiteral("npm_config_cache"),
                       QDir(directory).absoluteFilePath(QStringLiteral("../cache")));
    process.setProcessEnvironment(environment);
    process.setStandardInputFile(QProcess::nullDevice());
    process.start(npm,
                  {QStringLiteral("ci"), QStringLiteral("--no-audit"), QStringLiteral("--no-fund"),
                   QStringLiteral("--loglevel=error")});
    if (!process.waitForFinished(int(timeout.count()))) {
        process.kill();
        process.waitForFinished();
        return failure(CommonError::Timeout,
                       u"npm ci in " % directory % u" did not finish in " % QString::number(timeout.count() / 1000)
                           % u" s (is the registry reachable?): " % tail(process.readAllStandardError()));
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return failure(CommonError::IoError,
                       u"npm ci in " % directory % u" failed (is the npm registry reachable?): "
                           % tail(process.readAllStandardError()));
    QSaveFile stampFile(stampPath);
    if (!stampFile.open(QIODevice::WriteOnly) || stampFile.write(wanted) != wanted.size() || !stampFile.commit())
        return failure(CommonError::IoError, u"cannot write " % stampPath);
    return {};
}

// Where a silent process is: its state and kernel wait channel, and what it wrote to stdout without a newline.
QString processState(qint64 pid, const QByteArray &unreadStdout)
{
    const QString proc = u"/proc/" % QString::number(pid) % u'/';
    QFile status(proc + QStringLiteral("status"));
    QString state;
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("State:") || line.startsWith("Threads:"))
                state += QString::fromLatin1(line.simplified()) % u"; ";
        }
    }
    QFile wchan(proc + QStringLiteral("wchan"));
    if (wchan.open(QIODevice::ReadOnly))
        state += u"waiting in " % QString::fromLatin1(wchan.readAll()) % u"; ";
    return state % u"unread stdout: \"" % QString::fromUtf8(unreadStdout) % u'"';
}

Result<void> fillSecret(QByteArray *secret)
{
    if (!secret->isEmpty())
        return {};
    auto token = crypto::random::token(24);
    if (!token)
        return token.error();
    *secret = *token;
    return {};
}

} // namespace

QString OidcProvider::missingTools()
{
    QStringList missing;
    for (const QString &tool : {QStringLiteral("node"), QStringLiteral("npm")}) {
        if (QStandardPaths::findExecutable(tool).isEmpty())
            missing << tool;
    }
    if (missing.isEmpty())
        return {};
    return missing.join(QStringLiteral(" and "))
        % QStringLiteral(" not installed: the OpenID provider of the flow tests (npm oidc-provider) needs Node.js "
                         "and npm (Debian packages nodejs and npm, in packaging/debian-packages.txt)");
}

OidcProvider::OidcProvider(Options options)
    : m_options(std::move(options))
{ }

Result<std::unique_ptr<OidcProvider>> OidcProvider::start(Options options)
{
    if (const QString missing = missingTools(); !missing.isEmpty())
        return failure(CommonError::Unsupported, missing);
    std::unique_ptr<OidcProvider> provider(new OidcProvider(std::move(options)));
    for (QByteArray *secret : {&provider->m_options.userPassword, &provider->m_options.clientSecret}) {
        if (auto filled = fillSecret(secret); !filled)
            return filled.error();
    }
    const QString directory = QStringLiteral(PORTCULLIS_OIDC_NPM_DIR);
    if (auto installed = ensureInstalled(directory, provider->m_options.installTimeout); !installed)
        return installed.error().withContext(QStringLiteral("installing oidc-provider"));
    auto launched = provider->launch(directory);
    if (!launched && launched.error().is(CommonError::Timeout)) {
        // Seen twice in CI (and never on its own): node started and stayed silent. Say what it was doing, then give
        // it one more chance; a provider that is only slow still fails the test.
        qWarning("OidcProvider: %s; starting it once more", qPrintable(launched.error().detail()));
        launched = provider->launch(directory);
    }
    if (!launched)
        return launched.error();
    return provider;
}

Result<void> OidcProvider::launch(const QString &directory)
{
    m_process = std::make_unique<QProcess>();
    m_process->setWorkingDirectory(directory);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : environment.keys()) {
        if (name.startsWith(QLatin1String("PORTCULLIS_TEST_")) || name.startsWith(QLatin1String("NODE_")))
            environment.remove(name);
    }
    environment.insert(QStringLiteral("PORTCULLIS_TEST_USER_PASSWORD"), QString::fromLatin1(m_options.userPassword));
    environment.insert(QStringLiteral("PORTCULLIS_TEST_CLIENT_SECRET"), QString::fromLatin1(m_options.clientSecret));
    if (!m_options.loginPassword.isEmpty())
        environment.insert(QStringLiteral("PORTCULLIS_TEST_LOGIN_PASSWORD"),
                           QString::fromLatin1(m_options.loginPassword));
    if (!m_options.clientJwks.isEmpty())
        environment.insert(QStringLiteral("PORTCULLIS_TEST_CLIENT_JWKS"), QString::fromUtf8(m_options.clientJwks));
    m_process->setProcessEnvironment(environment);
    QObject::connect(m_process.get(), &QProcess::readyReadStandardError, m_process.get(), [this] { collectStderr(); });
    // Standard input stays an open pipe: provider.mjs exits when it closes, so it never outlives the test.
    m_process->start(QStandardPaths::findExecutable(QStringLiteral("node")), {QStringLiteral("provider.mjs")});
    if (!m_process->waitForStarted(5000))
        return failure(CommonError::Unsupported, u"cannot run node: " % m_process->errorString());

    QElapsedTimer waited;
    waited.start();
    const qint64 timeout = m_options.startTimeout.count();
    while (waited.elapsed() < timeout) {
        while (m_process->canReadLine()) {
            const QByteArray line = m_process->readLine().trimmed();
            if (line.startsWith("ISSUER=")) {
                m_issuer = QUrl(QString::fromUtf8(line.mid(7)));
                if (m_issuer.isValid() && m_issuer.host() == QLatin1String("127.0.0.1") && m_issuer.port() > 0)
                    return {};
                stop();
                return failure(CommonError::Internal,
                               u"provider.mjs announced an unusable issuer: " % QString::fromUtf8(line));
            }
        }
        if (m_process->state() == QProcess::NotRunning)
            break;
        m_process->waitForReadyRead(int(qMax<qint64>(1, timeout - waited.elapsed())));
    }
    const bool exited = m_process->state() == QProcess::NotRunning;
    const QString state = exited ? QString() : processState(m_process->processId(), m_process->peek(200));
    stop();
    return failure(exited ? CommonError::Internal : CommonError::Timeout,
                   (exited ? QStringLiteral("the OpenID provider exited at start: ")
                           : u"the OpenID provider did not announce its issuer within "
                            % QString::number(timeout / 1000) % u" s (" % state % u"): ")
                       + stderrText().right(4000));
}

void OidcProvider::collectStderr()
{
    if (!m_process)
        return;
    m_stderr += m_process->readAllStandardError();
    if (m_stderr.size() > MAX_STDERR)
        m_stderr = m_stderr.right(MAX_STDERR);
}

QString OidcProvider::stderrText()
{
    collectStderr();
    return QString::fromUtf8(m_stderr);
}

bool OidcProvider::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

void OidcProvider::stop()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    collectStderr();
    m_process.reset();
}

OidcProvider::~OidcProvider()
{
    stop();
}

} // namespace portcullis::test
