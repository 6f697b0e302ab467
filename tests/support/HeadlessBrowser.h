#pragma once

#include <memory>

#include <QObject>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QUrl>

#include "common/Result.h"

namespace portcullis::test {

// The "system browser" of the flow tests: tests/support/headless-browser.sh, which opens a URL in headless Chromium
// (Debian package chromium). Chromium runs the provider's login and consent pages (they submit themselves), follows
// the redirects to the loopback callback and exits by itself. Killed, and its profile removed, when this object
// goes away.
//
// For a test of `portcullis-cli flow run --browser-command`, pass scriptPath(): the script takes the URL as its
// last argument. For a console test, this object can be the QDesktopServices URL handler:
//     QDesktopServices::setUrlHandler("http", &browser, "openUrl");
class HeadlessBrowser : public QObject
{
    Q_OBJECT

public:
    // The absolute path of headless-browser.sh in the source tree.
    [[nodiscard]] static QString scriptPath();
    // Empty when Chromium is installed; otherwise why the browser cannot run, for QSKIP (see Interop.h).
    [[nodiscard]] static QString missingTools();

    explicit HeadlessBrowser(QObject *parent = nullptr);
    ~HeadlessBrowser() override;

    // Starts the browser on `url`. Fails when Chromium is missing or a page is still open in this object.
    [[nodiscard]] Result<void> open(const QUrl &url);
    [[nodiscard]] bool isRunning() const;
    // Waits for the browser to exit by itself; false when it is still running after `msecs`.
    bool waitForFinished(int msecs);
    // The script's exit status once finished: 0 after the last page loaded, 124 when it timed out.
    [[nodiscard]] int exitCode() const { return m_exitCode; }
    // The last lines Chromium wrote on its standard error (mostly harmless D-Bus noise), for diagnostics.
    [[nodiscard]] QString log() const;
    // Stops the browser (SIGTERM, then SIGKILL after 5 s).
    void stop();
    // What went wrong in the last openUrl() call (empty when it started).
    [[nodiscard]] QString lastError() const { return m_lastError; }

public Q_SLOTS:
    // open() for QDesktopServices::setUrlHandler, which cannot see a Result: a failure goes to lastError().
    void openUrl(const QUrl &url);

Q_SIGNALS:
    void finished(int exitCode);

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    int m_exitCode = -1;
    QString m_lastError;
};

} // namespace portcullis::test
