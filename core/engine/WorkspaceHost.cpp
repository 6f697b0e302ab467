#include "engine/WorkspaceHost.h"

#include <QPointer>

#include "engine/SecurityMonitor.h"
#include "monitor/Alert.h"
#include "monitor/SignalSink.h"
#include "store/SecretStore.h"

namespace portcullis::engine {

WorkspaceHost::WorkspaceHost(const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
    , m_worker(new QObject)
{
    m_thread.setObjectName(QStringLiteral("workspace"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

WorkspaceHost::~WorkspaceHost()
{
    // The workspace's connections belong to its thread: close it there, then stop the thread.
    QMetaObject::invokeMethod(
        m_worker, [this] { m_workspace.reset(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void WorkspaceHost::open(const WorkspaceOptions &options)
{
    QPointer<WorkspaceHost> host(this);
    QMetaObject::invokeMethod(m_worker, [this, host, options] {
        auto workspace = Workspace::open(options, m_clock);
        if (!workspace) {
            const QString reason = workspace.error().detail();
            QMetaObject::invokeMethod(host, [host, reason] {
                if (host)
                    Q_EMIT host->failed(reason);
            });
            return;
        }
        m_workspace = std::move(*workspace);
        // The monitor runs for as long as the console does; its alerts reach the window as plain text.
        if (auto monitor = m_workspace->monitor(); monitor) {
            QObject::connect(&(*monitor)->alertSignals(), &monitor::SignalSink::alertRaised, m_worker,
                             [host](const monitor::Alert &alert) {
                                 const bool critical = alert.severity == monitor::Severity::Critical;
                                 QMetaObject::invokeMethod(host, [host, alert, critical] {
                                     if (host)
                                         Q_EMIT host->alertRaised(alert.rule, alert.summary, critical);
                                 });
                             });
        } else {
            const QString reason = monitor.error().detail();
            QMetaObject::invokeMethod(host, [host, reason] {
                if (host)
                    Q_EMIT host->failed(reason);
            });
            return;
        }
        const QString secrets = m_workspace->secrets().description();
        const bool persist = m_workspace->secrets().isPersistent();
        const QStringList notices = m_workspace->notices();
        QMetaObject::invokeMethod(host, [host, secrets, persist, notices] {
            if (host)
                Q_EMIT host->opened(secrets, persist, notices);
        });
    });
}

} // namespace portcullis::engine
