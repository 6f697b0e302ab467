#pragma once

#include <atomic>

#include <QObject>

#include "monitor/AlertSink.h"

namespace portcullis::monitor {

// Turns alerts into a Qt signal on this object's thread, where the console makes a desktop notification of it.
// notify() may be called from any thread and only queues: alertRaised is emitted later by this object's event loop.
// At most maxPending alerts wait at a time; more are dropped and counted, so a flood of alerts cannot swamp the
// GUI thread's event queue.
class SignalSink : public QObject, public AlertSink
{
    Q_OBJECT

public:
    explicit SignalSink(QObject *parent = nullptr, qsizetype maxPending = 100);

    void notify(const Alert &alert) override;
    [[nodiscard]] qint64 dropped() const { return m_dropped.load(); }

signals:
    void alertRaised(const portcullis::monitor::Alert &alert);

private:
    const qsizetype m_maxPending;
    std::atomic<qsizetype> m_pending {0};
    std::atomic<qint64> m_dropped {0};
};

} // namespace portcullis::monitor
