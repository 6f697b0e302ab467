#include "monitor/SignalSink.h"

namespace portcullis::monitor {

SignalSink::SignalSink(QObject *parent, qsizetype maxPending)
    : QObject(parent)
    , m_maxPending(std::max<qsizetype>(1, maxPending))
{
    qRegisterMetaType<Alert>();
}

void SignalSink::notify(const Alert &alert)
{
    if (m_pending.fetch_add(1) >= m_maxPending) {
        --m_pending;
        ++m_dropped;
        return;
    }
    // Queued even from this object's own thread, so a sink never calls into the UI from inside the engine.
    QMetaObject::invokeMethod(
        this,
        [this, alert] {
            --m_pending;
            emit alertRaised(alert);
        },
        Qt::QueuedConnection);
}

} // namespace portcullis::monitor
