#include "monitor/FailedAuthTracker.h"

#include <algorithm>

#include <QLoggingCategory>
#include <QSet>
#include <QStringBuilder>

#include "common/Clock.h"
#include "crypto/Digest.h"
#include "monitor/AuthFailureRepository.h"
#include "monitor/LockoutError.h"

namespace portcullis::monitor {

Q_LOGGING_CATEGORY(lcLockout, "portcullis.core.monitor")

namespace {

constexpr qint64 FULL_WARNING_INTERVAL_MS = 60'000;
constexpr std::array ALL_KINDS
    = {SubjectKind::User, SubjectKind::Client, SubjectKind::ApiKey, SubjectKind::SourceAddress};
constexpr std::array IDENTIFIER_KINDS = {SubjectKind::User, SubjectKind::Client, SubjectKind::ApiKey};

// The subject as the tracker keys it: as given, or by its digest when it is too long to keep.
QString trackedSubject(const QString &subject)
{
    if (subject.size() <= FailedAuthTracker::MAX_SUBJECT_LENGTH)
        return subject;
    return u"sha256:" % QString::fromLatin1(crypto::sha256(subject.toUtf8()).toHex());
}

// "user 'alice'"; capitalized at the start of a sentence.
QString describe(SubjectKind kind, const QString &subject, bool capitalized = false)
{
    QString label = subjectKindLabel(kind);
    if (capitalized)
        label[0] = label[0].toUpper();
    return label % u" '" % subject % u'\'';
}

QString durationText(qint64 ms)
{
    if (ms >= 120'000 && ms % 60'000 == 0)
        return QString::number(ms / 60'000) % u" min";
    return QString::number((ms + 999) / 1000) % u" s";
}

template<typename F>
void forEachSubject(const AuthSubjects &subjects, F &&f)
{
    for (SubjectKind kind : ALL_KINDS) {
        const QString &subject = subjects.get(kind);
        if (!subject.isEmpty())
            f(kind, trackedSubject(subject));
    }
}

} // namespace

struct FailedAuthTracker::Changes
{
    std::vector<SecurityEvent> events;
    bool urgent = false; // a lock started or ended: write it now
};

LockoutPolicy FailedAuthTracker::defaultSourcePolicy()
{
    LockoutPolicy policy;
    policy.maxFailures = 100;
    policy.quickLoginCheck = std::chrono::milliseconds(0);
    return policy;
}

Result<std::unique_ptr<FailedAuthTracker>> FailedAuthTracker::open(std::shared_ptr<store::Database> database,
                                                                   const Clock &clock, Publish publish, Options options)
{
    if (auto valid = options.identifierPolicy.validate(); !valid)
        return valid.error().withContext(QStringLiteral("Lockout policy for users, clients and API keys"));
    if (auto valid = options.sourcePolicy.validate(); !valid)
        return valid.error().withContext(QStringLiteral("Lockout policy for source addresses"));
    if (options.capacity < MIN_CAPACITY || options.capacity > MAX_CAPACITY)
        return Error(LockoutError::InvalidCapacity,
                     QStringLiteral("The failed-auth tracker can track between %1 and %2 subjects (asked for %3).")
                         .arg(MIN_CAPACITY)
                         .arg(MAX_CAPACITY)
                         .arg(options.capacity));
    if (options.flushInterval.count() < 0
        || (options.flushInterval.count() > 0
            && (options.reloadInterval.count() <= 0 || options.sweepInterval.count() <= 0)))
        return Error(LockoutError::InvalidCapacity,
                     QStringLiteral("The failed-auth tracker's flush, reload and sweep intervals must be positive "
                                    "(or the flush interval 0, to run them by hand)."));
    std::unique_ptr<FailedAuthTracker> tracker(
        new FailedAuthTracker(std::move(database), clock, std::move(publish), std::move(options)));
    if (auto loaded = tracker->load(); !loaded)
        return loaded.error();
    if (tracker->m_options.flushInterval.count() > 0)
        tracker->m_thread = std::jthread([self = tracker.get()](std::stop_token stop) { self->run(std::move(stop)); });
    return tracker;
}

FailedAuthTracker::FailedAuthTracker(std::shared_ptr<store::Database> database, const Clock &clock, Publish publish,
                                     Options options)
    : m_database(std::move(database))
    , m_repository(m_database ? std::make_unique<AuthFailureRepository>(m_database) : nullptr)
    , m_clock(clock)
    , m_publish(std::move(publish))
    , m_options(std::move(options))
    , m_shardCapacity(std::max<qsizetype>(1, m_options.capacity / qsizetype(SHARDS)))
{ }

FailedAuthTracker::~FailedAuthTracker()
{
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_wake.notify_all();
        m_thread.join();
    }
    if (auto flushed = flush(); !flushed)
        qCWarning(lcLockout) << "failed-auth counts could not be saved at shutdown:" << flushed.error().toString();
}

const LockoutPolicy &FailedAuthTracker::policyFor(SubjectKind kind) const
{
    return kind == SubjectKind::SourceAddress ? m_options.sourcePolicy : m_options.identifierPolicy;
}

FailedAuthTracker::Shard &FailedAuthTracker::shardFor(const Key &key)
{
    return m_shards[qHash(key) % SHARDS];
}

const FailedAuthTracker::Shard &FailedAuthTracker::shardFor(const Key &key) const
{
    return m_shards[qHash(key) % SHARDS];
}

void FailedAuthTracker::markDirty(Shard &shard, const Key &key, const Entry &entry, bool evenIfLocked) const
{
    if (!m_repository)
        return;
    Pending &pending = shard.dirty[key];
    pending.kind = entry.kind;
    pending.subject = entry.subject;
    pending.evenIfLocked = pending.evenIfLocked || evenIfLocked;
}

bool FailedAuthTracker::settle(Shard &shard, QHash<Key, Entry>::iterator &it, qint64 nowMs, Changes &changes)
{
    Entry &entry = *it;
    FailureRecord &record = entry.record;
    if (!record.permanent && record.lockedUntilMs > 0 && nowMs >= record.lockedUntilMs) {
        if (entry.announceEnd)
            changes.events.push_back(event(EventType::Unlock, entry, nowMs, QStringLiteral("expired"),
                                           u"The lock on " % describe(entry.kind, entry.subject) % u" ran out at "
                                               % formatTime(record.lockedUntilMs) % u'.'));
        record.lockedSinceMs = 0;
        record.lockedUntilMs = 0;
        record.lockReason = LockReason::None;
        entry.announceEnd = false;
        entry.lockStored = false;
        markDirty(shard, it.key(), entry);
        changes.urgent = true;
    }
    if (!isForgotten(policyFor(entry.kind), record, nowMs))
        return true;
    markDirty(shard, it.key(), entry);
    it = shard.entries.erase(it);
    return false;
}

void FailedAuthTracker::evict(Shard &shard, qint64 nowMs, Changes &changes)
{
    for (auto it = shard.entries.begin(); it != shard.entries.end();) {
        if (settle(shard, it, nowMs, changes))
            ++it;
    }
    if (shard.entries.size() < m_shardCapacity)
        return;
    // The oldest unlocked entries, an eighth of the shard at once, so that a flood of new subjects does not scan
    // the shard on every insert.
    std::vector<std::pair<qint64, Key>> unlocked;
    for (auto it = shard.entries.cbegin(); it != shard.entries.cend(); ++it) {
        if (!it->record.lockedAt(nowMs))
            unlocked.emplace_back(it->record.lastFailureMs, it.key());
    }
    const auto count = std::min<std::size_t>(unlocked.size(), std::max<std::size_t>(1, m_shardCapacity / 8));
    std::nth_element(unlocked.begin(), unlocked.begin() + qsizetype(count), unlocked.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (std::size_t i = 0; i < count; ++i) {
        auto it = shard.entries.find(unlocked[i].second);
        markDirty(shard, it.key(), *it);
        shard.entries.erase(it);
    }
}

FailedAuthTracker::Entry *FailedAuthTracker::insert(Shard &shard, const Key &key, qint64 nowMs, Changes &changes)
{
    if (auto it = shard.entries.find(key); it != shard.entries.end() && settle(shard, it, nowMs, changes))
        return &*it;
    if (shard.entries.size() >= m_shardCapacity)
        evict(shard, nowMs, changes);
    if (shard.entries.size() >= m_shardCapacity) {
        m_untracked.fetch_add(1, std::memory_order_relaxed);
        qint64 last = m_lastFullWarningMs.load(std::memory_order_relaxed);
        if (nowMs - last >= FULL_WARNING_INTERVAL_MS && m_lastFullWarningMs.compare_exchange_strong(last, nowMs))
            qCWarning(lcLockout) << "the failed-auth tracker is full of locked subjects; new subjects are not counted"
                                    " until locks end (raise the capacity, or tighten the rate limits)";
        return nullptr;
    }
    Entry entry;
    entry.kind = key.kind;
    entry.subject = key.subject;
    return &*shard.entries.insert(key, std::move(entry));
}

FailedAuthTracker::Status FailedAuthTracker::check(const AuthSubjects &subjects)
{
    const qint64 nowMs = m_clock.unixMillis();
    Status status;
    Changes changes;
    forEachSubject(subjects, [&](SubjectKind kind, const QString &subject) {
        const Key key {kind, subject};
        Shard &shard = shardFor(key);
        const std::lock_guard lock(shard.mutex);
        auto it = shard.entries.find(key);
        if (it == shard.entries.end() || !settle(shard, it, nowMs, changes) || !it->record.lockedAt(nowMs))
            return;
        if (!status.locked)
            status.lockedKind = kind;
        status.locked = true;
        status.permanent = status.permanent || it->record.permanent;
        if (!it->record.permanent)
            status.untilMs = std::max(status.untilMs, it->record.lockedUntilMs);
    });
    finish(changes);
    return status;
}

void FailedAuthTracker::recordFailure(const AuthSubjects &subjects, const QString &reason)
{
    const qint64 nowMs = m_clock.unixMillis();
    const QString source = subjects.sourceAddress.left(MAX_SUBJECT_LENGTH);
    Changes changes;
    forEachSubject(subjects, [&](SubjectKind kind, const QString &subject) {
        const Key key {kind, subject};
        Shard &shard = shardFor(key);
        const std::lock_guard lock(shard.mutex);
        Entry *entry = insert(shard, key, nowMs, changes);
        if (!entry)
            return;
        const FailureOutcome outcome = applyFailure(policyFor(kind), entry->record, nowMs);
        if (!outcome.counted)
            return;
        entry->lastSource = source;
        markDirty(shard, key, *entry);
        if (outcome.lockStarted == LockReason::None)
            return;
        entry->announceEnd = true;
        entry->lockStored = false;
        changes.urgent = true;
        const FailureRecord &record = entry->record;
        const QString how = record.permanent ? QStringLiteral("until an operator unlocks it")
                                             : u"for " % durationText(record.lockedUntilMs - record.lockedSinceMs);
        QString detail = describe(kind, subject, true) % u" locked " % how % u" after "
            % QString::number(record.failures) % u" failed attempts";
        if (!reason.isEmpty())
            detail += u" (the last one: " % reason % u')';
        SecurityEvent lockout
            = event(EventType::Lockout, *entry, nowMs, lockReasonName(outcome.lockStarted), detail % u'.');
        if (record.permanent)
            lockout.severity = Severity::Critical;
        changes.events.push_back(std::move(lockout));
    });
    finish(changes);
}

void FailedAuthTracker::recordSuccess(const AuthSubjects &subjects)
{
    const qint64 nowMs = m_clock.unixMillis();
    Changes changes;
    for (SubjectKind kind : IDENTIFIER_KINDS) {
        if (subjects.get(kind).isEmpty())
            continue;
        const Key key {kind, trackedSubject(subjects.get(kind))};
        Shard &shard = shardFor(key);
        const std::lock_guard lock(shard.mutex);
        auto it = shard.entries.find(key);
        if (it == shard.entries.end() || !settle(shard, it, nowMs, changes) || it->record.lockedAt(nowMs))
            continue;
        markDirty(shard, key, *it);
        shard.entries.erase(it);
    }
    finish(changes);
}

bool FailedAuthTracker::unlock(SubjectKind kind, const QString &subject, const QString &operatorName)
{
    const qint64 nowMs = m_clock.unixMillis();
    Entry gone;
    gone.kind = kind;
    gone.subject = trackedSubject(subject);
    const Key key {kind, gone.subject};
    Changes changes;
    bool wasLocked = false;
    {
        Shard &shard = shardFor(key);
        const std::lock_guard lock(shard.mutex);
        auto it = shard.entries.find(key);
        if (it != shard.entries.end() && settle(shard, it, nowMs, changes)) {
            gone = *it;
            wasLocked = it->record.lockedAt(nowMs);
            shard.entries.erase(it);
        }
        markDirty(shard, key, gone, true);
    }
    if (wasLocked)
        changes.events.push_back(event(EventType::Unlock, gone, nowMs, QStringLiteral("operator"),
                                       u"Operator '" % operatorName % u"' unlocked " % describe(kind, gone.subject)
                                           % u" (it had " % QString::number(gone.record.failures)
                                           % u" failed attempts)."));
    changes.urgent = true;
    finish(changes);
    return wasLocked;
}

QList<FailedAuthTracker::Lockout> FailedAuthTracker::lockouts()
{
    const qint64 nowMs = m_clock.unixMillis();
    QList<Lockout> out;
    Changes changes;
    for (Shard &shard : m_shards) {
        const std::lock_guard lock(shard.mutex);
        for (auto it = shard.entries.begin(); it != shard.entries.end();) {
            if (!settle(shard, it, nowMs, changes))
                continue;
            const FailureRecord &record = it->record;
            if (record.lockedAt(nowMs))
                out.append({it->kind, it->subject, record.failures, record.temporaryLockouts, record.lockedSinceMs,
                            record.lockedUntilMs, record.permanent, lockReasonName(record.lockReason), it->lastSource});
            ++it;
        }
    }
    finish(changes);
    std::sort(out.begin(), out.end(),
              [](const Lockout &a, const Lockout &b) { return a.lockedSinceMs > b.lockedSinceMs; });
    return out;
}

std::optional<FailureRecord> FailedAuthTracker::find(SubjectKind kind, const QString &subject) const
{
    const Key key {kind, trackedSubject(subject)};
    const Shard &shard = shardFor(key);
    const std::lock_guard lock(shard.mutex);
    auto it = shard.entries.constFind(key);
    if (it == shard.entries.cend())
        return std::nullopt;
    return it->record;
}

qsizetype FailedAuthTracker::trackedCount() const
{
    qsizetype count = 0;
    for (const Shard &shard : m_shards) {
        const std::lock_guard lock(shard.mutex);
        count += shard.entries.size();
    }
    return count;
}

void FailedAuthTracker::sweep()
{
    const qint64 nowMs = m_clock.unixMillis();
    Changes changes;
    for (Shard &shard : m_shards) {
        const std::lock_guard lock(shard.mutex);
        for (auto it = shard.entries.begin(); it != shard.entries.end();) {
            if (settle(shard, it, nowMs, changes))
                ++it;
        }
    }
    finish(changes);
}

Result<void> FailedAuthTracker::load()
{
    if (!m_repository)
        return {};
    auto rows = m_repository->loadAll();
    if (!rows)
        return rows.error().withContext(QStringLiteral("Loading the failed-auth tracker"));
    const qint64 nowMs = m_clock.unixMillis();
    for (AuthFailureRepository::Row &row : *rows) {
        const Key key {row.kind, row.subject};
        Shard &shard = shardFor(key);
        const std::lock_guard lock(shard.mutex);
        Entry entry;
        entry.kind = row.kind;
        entry.subject = row.subject;
        entry.record = row.record;
        entry.lastSource = row.lastSource;
        // A locked row is always kept: a restart must not lift a lock. The rest fill what room there is.
        const bool locked = row.record.lockedAt(nowMs);
        if (isForgotten(policyFor(row.kind), row.record, nowMs)
            || (!locked && shard.entries.size() >= m_shardCapacity)) {
            markDirty(shard, key, entry);
            continue;
        }
        // A lock that ran out while the process was down has not been announced as over yet.
        entry.announceEnd = row.record.permanent || row.record.lockedUntilMs > 0;
        entry.lockStored = locked;
        shard.entries.insert(key, std::move(entry));
    }
    return {};
}

Result<void> FailedAuthTracker::flush()
{
    if (!m_repository)
        return {};
    const std::lock_guard flushLock(m_flushMutex);
    const qint64 nowMs = m_clock.unixMillis();
    std::vector<AuthFailureRepository::Row> rows;
    std::vector<Key> rowKeys;
    std::vector<AuthFailureRepository::Removal> removals;
    std::array<QHash<Key, Pending>, SHARDS> taken;
    for (std::size_t i = 0; i < SHARDS; ++i) {
        Shard &shard = m_shards[i];
        const std::lock_guard lock(shard.mutex);
        taken[i].swap(shard.dirty);
        for (auto pending = taken[i].cbegin(); pending != taken[i].cend(); ++pending) {
            // An operator's unlock removes the row even when a new failure came since: the upsert alone would
            // keep the row's lock.
            if (pending->evenIfLocked)
                removals.push_back({pending->kind, pending->subject, true});
            auto entry = shard.entries.constFind(pending.key());
            if (entry == shard.entries.cend()) {
                if (!pending->evenIfLocked)
                    removals.push_back({pending->kind, pending->subject, false});
                continue;
            }
            rows.push_back({entry->kind, entry->subject, entry->record, entry->lastSource});
            rowKeys.push_back(pending.key());
        }
    }
    if (rows.empty() && removals.empty())
        return {};
    if (auto written = m_repository->write(rows, removals, nowMs); !written) {
        // Keep the changes for the next flush. While the store stays down, plain removals are dropped past a
        // bound (a stale row is dropped again at the next start); writes and an operator's unlocks are kept.
        for (std::size_t i = 0; i < SHARDS; ++i) {
            Shard &shard = m_shards[i];
            const std::lock_guard lock(shard.mutex);
            for (auto pending = taken[i].cbegin(); pending != taken[i].cend(); ++pending) {
                const bool plainRemoval = !pending->evenIfLocked && !shard.entries.contains(pending.key());
                if (plainRemoval && shard.dirty.size() >= 2 * m_shardCapacity)
                    continue;
                Pending &kept = shard.dirty[pending.key()];
                kept.kind = pending->kind;
                kept.subject = pending->subject;
                kept.evenIfLocked = kept.evenIfLocked || pending->evenIfLocked;
            }
        }
        return written;
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!rows[i].record.lockedAt(nowMs))
            continue;
        Shard &shard = shardFor(rowKeys[i]);
        const std::lock_guard lock(shard.mutex);
        auto entry = shard.entries.find(rowKeys[i]);
        if (entry != shard.entries.end() && entry->record.lockedSinceMs == rows[i].record.lockedSinceMs
            && entry->record.lockedAt(nowMs))
            entry->lockStored = true;
    }
    return {};
}

Result<void> FailedAuthTracker::reload()
{
    if (!m_repository)
        return {};
    // Under the flush mutex: a lock written after the query below must not look lifted.
    const std::lock_guard flushLock(m_flushMutex);
    const qint64 nowMs = m_clock.unixMillis();
    auto rows = m_repository->loadLocked(nowMs);
    if (!rows)
        return rows.error();
    QSet<Key> lockedKeys;
    Changes changes;
    for (const AuthFailureRepository::Row &row : *rows) {
        const Key key {row.kind, row.subject};
        lockedKeys.insert(key);
        Shard &shard = shardFor(key);
        const std::lock_guard lock(shard.mutex);
        if (shard.dirty.contains(key))
            continue; // this instance changed it since: its own write decides
        auto it = shard.entries.find(key);
        if (it == shard.entries.end()) {
            Entry *entry = insert(shard, key, nowMs, changes);
            if (!entry)
                continue;
            entry->record = row.record;
            entry->lastSource = row.lastSource;
            entry->lockStored = true;
            continue;
        }
        FailureRecord &record = it->record;
        const bool stronger = (row.record.permanent && !record.permanent)
            || (!record.permanent && !row.record.permanent && row.record.lockedUntilMs > record.lockedUntilMs);
        if (stronger) {
            record.permanent = row.record.permanent;
            record.lockedSinceMs = row.record.lockedSinceMs;
            record.lockedUntilMs = row.record.lockedUntilMs;
            record.lockReason = row.record.lockReason;
            it->announceEnd = false; // the instance that wrote it announces its end
        }
        if (stronger || record.lockedAt(nowMs))
            it->lockStored = true;
    }
    // A lock this instance had from the store that is gone from it: an operator unlocked it elsewhere.
    for (Shard &shard : m_shards) {
        const std::lock_guard lock(shard.mutex);
        for (auto it = shard.entries.begin(); it != shard.entries.end();) {
            if (it->lockStored && it->record.lockedAt(nowMs) && !shard.dirty.contains(it.key())
                && !lockedKeys.contains(it.key())) {
                qCInfo(lcLockout) << "a lock was lifted by another instance:" << subjectKindName(it->kind);
                it = shard.entries.erase(it);
            } else {
                ++it;
            }
        }
    }
    finish(changes);
    return {};
}

void FailedAuthTracker::finish(Changes &changes)
{
    if (m_publish) {
        for (const SecurityEvent &event : changes.events)
            m_publish(event);
    }
    if (changes.urgent && m_thread.joinable()) {
        {
            const std::lock_guard lock(m_wakeMutex);
            m_urgent = true;
        }
        m_wake.notify_one();
    }
}

void FailedAuthTracker::run(std::stop_token stop)
{
    using SteadyClock = std::chrono::steady_clock;
    auto nextReload = SteadyClock::now() + m_options.reloadInterval;
    auto nextSweep = SteadyClock::now() + m_options.sweepInterval;
    bool failing = false;
    while (!stop.stop_requested()) {
        {
            std::unique_lock lock(m_wakeMutex);
            const auto deadline = std::min({SteadyClock::now() + m_options.flushInterval, nextReload, nextSweep});
            m_wake.wait_until(lock, stop, deadline, [this] { return m_urgent; });
            m_urgent = false;
        }
        if (stop.stop_requested())
            return;
        const auto now = SteadyClock::now();
        if (now >= nextSweep) {
            sweep();
            nextSweep = now + m_options.sweepInterval;
        }
        Result<void> done = flush();
        if (done && now >= nextReload) {
            done = reload();
            nextReload = now + m_options.reloadInterval;
        }
        if (!done && !failing)
            qCWarning(lcLockout) << "failed-auth state not saved yet, will retry (locks still hold in memory):"
                                 << done.error().toString();
        else if (done && failing)
            qCInfo(lcLockout) << "failed-auth state saved again";
        failing = !done;
    }
}

SecurityEvent FailedAuthTracker::event(EventType type, const Entry &entry, qint64 nowMs, const QString &reason,
                                       const QString &detail) const
{
    SecurityEvent out;
    out.timeMs = nowMs;
    out.type = type;
    out.severity = defaultSeverity(type);
    switch (entry.kind) {
    case SubjectKind::User:
        out.user = entry.subject;
        break;
    case SubjectKind::Client:
        out.clientId = entry.subject;
        break;
    case SubjectKind::ApiKey:
        out.keyId = entry.subject;
        break;
    case SubjectKind::SourceAddress:
        break;
    }
    // For an identifier, where its last failure came from; for an address, the address itself.
    out.sourceAddress = entry.kind == SubjectKind::SourceAddress ? entry.subject : entry.lastSource;
    out.reason = reason;
    out.detail = detail;
    out.instanceId = m_options.instanceId;
    return normalized(std::move(out));
}

} // namespace portcullis::monitor
