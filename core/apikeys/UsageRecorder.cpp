#include "apikeys/UsageRecorder.h"

#include <vector>

#include <QLoggingCategory>

namespace portcullis::apikeys {

Q_LOGGING_CATEGORY(lcUsage, "portcullis.core.apikeys")

UsageRecorder::UsageRecorder(const ApiKeyRepository &repository, std::chrono::milliseconds interval)
    : m_repository(repository)
    , m_interval(interval)
    , m_thread([this](std::stop_token stop) { run(std::move(stop)); })
{ }

UsageRecorder::~UsageRecorder()
{
    m_thread.request_stop();
    m_wake.notify_all();
    m_thread.join();
    if (auto flushed = flush(); !flushed)
        qCWarning(lcUsage) << "key usage could not be saved at shutdown:" << flushed.error().toString();
}

void UsageRecorder::record(const QString &id, qint64 atMs, QStringView source)
{
    const std::lock_guard lock(m_mutex);
    auto found = m_pending.find(id);
    if (found == m_pending.end()) {
        if (m_pending.size() >= MAX_PENDING) {
            ++m_dropped;
            return;
        }
        found = m_pending.try_emplace(id).first;
    }
    Pending &pending = found->second;
    ++pending.count;
    if (atMs >= pending.lastUsedAtMs) {
        pending.lastUsedAtMs = atMs;
        if (pending.lastUsedFrom != source)
            pending.lastUsedFrom = source.toString();
    }
}

Result<void> UsageRecorder::flush()
{
    const std::lock_guard flushLock(m_flushMutex);
    std::unordered_map<QString, Pending> taken;
    {
        const std::lock_guard lock(m_mutex);
        taken.swap(m_pending);
    }
    if (taken.empty())
        return {};
    std::vector<ApiKeyRepository::UsageDelta> deltas;
    deltas.reserve(taken.size());
    for (auto &[id, pending] : taken)
        deltas.push_back({id, pending.count, pending.lastUsedAtMs, pending.lastUsedFrom});
    auto written = m_repository.applyUsage(deltas);
    if (!written) {
        // Put the counts back so a later flush writes them; usage is statistics, never a reason to fail a request.
        const std::lock_guard lock(m_mutex);
        for (auto &[id, pending] : taken) {
            auto [slot, inserted] = m_pending.try_emplace(id, pending);
            if (!inserted) {
                slot->second.count += pending.count;
                if (pending.lastUsedAtMs > slot->second.lastUsedAtMs) {
                    slot->second.lastUsedAtMs = pending.lastUsedAtMs;
                    slot->second.lastUsedFrom = pending.lastUsedFrom;
                }
            }
        }
    }
    return written;
}

quint64 UsageRecorder::droppedCount() const
{
    const std::lock_guard lock(m_mutex);
    return m_dropped;
}

void UsageRecorder::run(std::stop_token stop)
{
    std::mutex waitMutex;
    while (!stop.stop_requested()) {
        {
            std::unique_lock lock(waitMutex);
            m_wake.wait_for(lock, stop, m_interval, [] { return false; });
        }
        if (stop.stop_requested())
            return;
        if (auto flushed = flush(); !flushed)
            qCWarning(lcUsage) << "key usage not saved yet, will retry:" << flushed.error().toString();
    }
}

} // namespace portcullis::apikeys
