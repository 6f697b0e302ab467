#include "apikeys/UsageRecorder.h"

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

std::mutex &UsageRecorder::stripeFor(const KeyIndex::Usage &usage)
{
    return m_stripes[(reinterpret_cast<quintptr>(&usage) / alignof(KeyIndex::Usage)) % STRIPES];
}

void UsageRecorder::markDirty(KeyIndex::Usage &usage)
{
    const std::lock_guard lock(m_dirtyMutex);
    m_dirty.push_back(&usage);
}

void UsageRecorder::record(KeyIndex::Usage &usage, qint64 atMs, const QString &source)
{
    {
        const std::lock_guard lock(stripeFor(usage));
        if (atMs >= usage.lastUsedMs.load(std::memory_order_relaxed)) {
            usage.lastUsedMs.store(atMs, std::memory_order_relaxed);
            if (usage.lastFrom != source)
                usage.lastFrom = source;
        }
    }
    // The first use since the last flush puts the key on the list to write.
    if (usage.count.fetch_add(1, std::memory_order_acq_rel) == 0)
        markDirty(usage);
}

Result<void> UsageRecorder::flush()
{
    const std::lock_guard flushLock(m_flushMutex);
    std::vector<KeyIndex::Usage *> dirty;
    {
        const std::lock_guard lock(m_dirtyMutex);
        dirty.swap(m_dirty);
    }
    if (dirty.empty())
        return {};
    std::vector<ApiKeyRepository::UsageDelta> deltas;
    deltas.reserve(dirty.size());
    for (KeyIndex::Usage *usage : dirty) {
        ApiKeyRepository::UsageDelta delta;
        {
            const std::lock_guard lock(stripeFor(*usage));
            delta.lastUsedAtMs = usage->lastUsedMs.load(std::memory_order_relaxed);
            delta.lastUsedFrom = usage->lastFrom;
        }
        // Uses counted from here on belong to the next flush (a use that finds zero lists the key again).
        delta.count = usage->count.exchange(0, std::memory_order_acq_rel);
        if (delta.count == 0)
            continue;
        delta.id = usage->id;
        deltas.push_back(std::move(delta));
    }
    auto written = m_repository.applyUsage(deltas);
    if (!written) {
        // Put the counts back so a later flush writes them; usage is statistics, never a reason to fail a request.
        for (std::size_t i = 0, d = 0; i < dirty.size() && d < deltas.size(); ++i) {
            if (dirty[i]->id != deltas[d].id)
                continue;
            if (dirty[i]->count.fetch_add(deltas[d].count, std::memory_order_acq_rel) == 0)
                markDirty(*dirty[i]);
            ++d;
        }
    }
    return written;
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
