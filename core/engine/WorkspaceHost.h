#pragma once

#include <memory>

#include <QObject>
#include <QStringList>
#include <QThread>

#include "engine/Workspace.h"

namespace portcullis::engine {

// Runs one workspace on its own thread, for the console: opening it may wait on the keychain, which the GUI
// thread must never do. open() returns at once; opened() or failed() follows, queued to the host's thread.
class WorkspaceHost : public QObject
{
    Q_OBJECT

public:
    WorkspaceHost(const Clock &clock, QObject *parent = nullptr);
    ~WorkspaceHost() override;

    void open(const WorkspaceOptions &options);

Q_SIGNALS:
    // Where secrets are kept, and what the operator should be told.
    void opened(const QString &secrets, bool secretsPersist, const QStringList &notices);
    void failed(const QString &reason);
    // An alert rule fired in the workspace's security monitor: `rule` is its name, `summary` one plain sentence.
    void alertRaised(const QString &rule, const QString &summary, bool critical);

private:
    const Clock &m_clock;
    QThread m_thread;
    QObject *m_worker; // lives on m_thread; owns the workspace
    std::unique_ptr<Workspace> m_workspace; // touched only on m_thread
};

} // namespace portcullis::engine
