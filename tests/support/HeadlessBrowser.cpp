#include "HeadlessBrowser.h"

#include <QFile>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QStringBuilder>

#include "common/Error.h"

namespace portcullis::test {

namespace {

QString chromium()
{
    const QString configured = qEnvironmentVariable("PORTCULLIS_CHROMIUM");
    return QStandardPaths::findExecutable(configured.isEmpty() ? QStringLiteral("chromium") : configured);
}

} // namespace

QString HeadlessBrowser::scriptPath()
{
    return QStringLiteral(PORTCULLIS_TEST_SUPPORT_DIR "/headless-browser.sh");
}

QString HeadlessBrowser::missingTools()
{
    if (!chromium().isEmpty())
        return {};
    return QStringLiteral("chromium is not installed: the flow tests use headless Chromium as the system browser "
                          "(Debian package chromium, in packaging/debian-packages.txt; sh packaging/devenv.sh deps "
                          "installs it)");
}

HeadlessBrowser::HeadlessBrowser(QObject *parent)
    : QObject(parent)
{ }

HeadlessBrowser::~HeadlessBrowser()
{
    stop();
}

Result<void> HeadlessBrowser::open(const QUrl &url)
{
    if (const QString missing = missingTools(); !missing.isEmpty())
        return Error(CommonError::Unsupported, missing);
    if (isRunning())
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("the headless browser is still showing a page; stop() it or wait for it first"));
    if (!m_dir.isValid())
        return Error(CommonError::IoError, QStringLiteral("no temporary directory for the headless browser's log"));
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return Error(CommonError::InvalidArgument, QStringLiteral("the headless browser opens http(s) URLs only"));
    m_process = std::make_unique<QProcess>();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("PORTCULLIS_BROWSER_LOG"), m_dir.filePath(QStringLiteral("chromium.log")));
    m_process->setProcessEnvironment(environment);
    m_process->setStandardInputFile(QProcess::nullDevice());
    m_process->setStandardOutputFile(QProcess::nullDevice());
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_exitCode = -1;
    connect(m_process.get(), &QProcess::finished, this, [this](int exitCode, QProcess::ExitStatus status) {
        m_exitCode = status == QProcess::NormalExit ? exitCode : -2;
        Q_EMIT finished(m_exitCode);
    });
    m_process->start(QStringLiteral("sh"), {scriptPath(), url.toString(QUrl::FullyEncoded)});
    if (!m_process->waitForStarted(5000))
        return Error(CommonError::Unsupported, u"cannot run sh for the headless browser: " % m_process->errorString());
    return {};
}

void HeadlessBrowser::openUrl(const QUrl &url)
{
    auto opened = open(url);
    m_lastError = opened ? QString() : opened.error().toString();
}

bool HeadlessBrowser::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

bool HeadlessBrowser::waitForFinished(int msecs)
{
    return !m_process || m_process->state() == QProcess::NotRunning || m_process->waitForFinished(msecs);
}

QString HeadlessBrowser::log() const
{
    QFile file(m_dir.filePath(QStringLiteral("chromium.log")));
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll().right(4000)) : QString();
}

void HeadlessBrowser::stop()
{
    if (!isRunning())
        return;
    // The script passes SIGTERM on to Chromium's process group and removes the profile before it exits.
    m_process->terminate();
    if (!m_process->waitForFinished(10000)) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

} // namespace portcullis::test
