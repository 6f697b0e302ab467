#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <QHash>
#include <QList>
#include <QString>

#include "common/Result.h"
#include "monitor/AuthSubject.h"
#include "monitor/LockoutPolicy.h"
#include "monitor/SecurityEvent.h"

namespace portcullis {
class Clock;
}

namespace portcullis::store {
class Database;
}

namespace portcullis::monitor {

class AuthFailureRepository;

// Counts failed authentications per subject (user, client, API key, source address) and locks a subject that fails
// too often, with Keycloak's brute-force semantics: LockoutPolicy.h says how the wait is computed and where the
// rules come from. Thread-safe and exact: each subject's count changes under its shard's mutex, so N concurrent
// failures count N and a threshold locks once.
//
// How callers use it: check() before verifying a credential and, when locked, refuse with the same generic error as
// for a wrong credential (never "locked": that would confirm the identifier exists and tell an attacker when to
// come back); recordFailure() after a refusal; recordSuccess() after an acceptance. The failed_auth event itself is
// the caller's to publish; the tracker publishes Lockout and Unlock events.
//
// Rules beyond Keycloak's:
//  - A failure while a subject is locked is not counted, so hammering a locked subject neither extends nor escalates
//    its lock (the request is refused anyway).
//  - A success clears the identifiers of the attempt, never its source address: an attacker spraying passwords
//    from one address could otherwise clear the address's count by logging in to an account of their own now and
//    then. A source address's failures age out after its failureResetTime.
//  - A success does not end a lock: a lock ends when its wait runs out or an operator unlocks it.
//  - Memory is bounded: at most about `capacity` subjects are tracked. A subject whose failures are forgotten
//    (older than failureResetTime) is dropped; when a shard is full, the oldest unlocked entries are evicted. A
//    locked subject is never evicted; if a shard holds nothing but locks, a new subject is not tracked until one
//    ends (a warning says so) — the rate limiter is the defence against a flood that large.
//
// Events: Lockout (reason max_failures, quick_login or max_temporary_lockouts) when a lock starts; Unlock with
// reason "operator" when an operator lifts one, and "expired" when a temporary lock runs out. Expiry is noticed
// lazily, by the first check or failure that meets the subject, and by a sweep every sweepInterval at the latest.
// The publish callback is called from any calling thread (or the tracker's own thread, for the sweep), never under
// the tracker's locks.
//
// Persistence (table auth_failures): the tracker's memory is authoritative; changed subjects are written
// write-behind, in one transaction every flushInterval, and at once (woken, not waited for) when a lock starts or
// ends, so a flood of failures costs one write a second instead of one fsync per failure, while a lock reaches the
// disk within milliseconds. flush() writes synchronously; destruction flushes. open() loads the table, so counts and
// locks survive a restart. Without a database the tracker keeps everything in memory.
//
// Several instances on one store (PostgreSQL, or the CLI beside a server on SQLite): each instance counts its own
// failures — counts are not summed, and a row holds the last writer's count. Locks are shared: every reloadInterval
// an instance adopts the locks other instances wrote, and lifts the locks it had from the store that an operator
// has since unlocked. A write never shortens a lock another instance wrote. So a lock anywhere holds everywhere
// within reloadInterval; a threshold is per instance.
class FailedAuthTracker
{
public:
    using Publish = std::function<void(const SecurityEvent &)>;

    struct Options
    {
        LockoutPolicy identifierPolicy; // users, clients, API keys: Keycloak's defaults
        LockoutPolicy sourcePolicy = defaultSourcePolicy();
        qsizetype capacity = 100'000; // subjects tracked at once, about
        std::chrono::milliseconds flushInterval {1000}; // 0: no background thread (flush, sweep, reload by hand)
        std::chrono::milliseconds reloadInterval {5000};
        std::chrono::milliseconds sweepInterval {10'000};
        QString instanceId; // written into events
    };

    // Whether a subject may try to authenticate. Callers refuse a locked one with their usual generic error.
    struct Status
    {
        bool locked = false;
        bool permanent = false;
        qint64 untilMs = 0; // a temporary lock's end (the latest, when several subjects are locked)
        std::optional<SubjectKind> lockedKind; // the first locked subject's kind, for the operator's log

        [[nodiscard]] bool allowed() const { return !locked; }
    };

    // A current lock, as the console lists it.
    struct Lockout
    {
        SubjectKind kind = SubjectKind::User;
        QString subject;
        qint64 failures = 0;
        int temporaryLockouts = 0;
        qint64 lockedSinceMs = 0;
        qint64 lockedUntilMs = 0; // 0 when permanent
        bool permanent = false;
        QString reason; // "max_failures", "quick_login", "max_temporary_lockouts"
        QString lastSource; // where the last counted failure came from
    };

    static constexpr qsizetype MIN_CAPACITY = 64;
    static constexpr qsizetype MAX_CAPACITY = 10'000'000;
    // Longer subjects are tracked by their SHA-256 ("sha256:…"), so a hostile identifier cannot bloat memory.
    static constexpr qsizetype MAX_SUBJECT_LENGTH = 256;

    // Source addresses: a larger threshold than an identifier's, and no quick-login check, because one address
    // can be many people (a NAT, a proxy) whose typos must not lock each other out.
    [[nodiscard]] static LockoutPolicy defaultSourcePolicy();

    // Validates the options and, with a database, loads the stored state. Fails on an invalid policy or an
    // unreadable store (failing closed: a tracker that forgot its locks must not start).
    [[nodiscard]] static Result<std::unique_ptr<FailedAuthTracker>>
    open(std::shared_ptr<store::Database> database, const Clock &clock, Publish publish, Options options);
    ~FailedAuthTracker();
    FailedAuthTracker(const FailedAuthTracker &) = delete;
    FailedAuthTracker &operator=(const FailedAuthTracker &) = delete;

    [[nodiscard]] Status check(const AuthSubjects &subjects);
    // Counts one failure against each subject that is not locked; `reason` (the failed_auth reason, such as
    // "bad_password") goes into the Lockout event's detail when this failure starts a lock.
    void recordFailure(const AuthSubjects &subjects, const QString &reason);
    // Clears the failures of the identifiers (not the source address) that are not locked.
    void recordSuccess(const AuthSubjects &subjects);
    // Lifts a lock and forgets the subject's failures, here and in the store. True if this instance knew the
    // subject as locked (an Unlock event is published then).
    bool unlock(SubjectKind kind, const QString &subject, const QString &operatorName);

    [[nodiscard]] QList<Lockout> lockouts();
    // One subject's state, if tracked.
    [[nodiscard]] std::optional<FailureRecord> find(SubjectKind kind, const QString &subject) const;
    [[nodiscard]] qsizetype trackedCount() const;
    // Failures not counted because a shard was full of locks.
    [[nodiscard]] qint64 untrackedFailures() const { return m_untracked.load(std::memory_order_relaxed); }

    // Writes what changed now, on the calling thread.
    [[nodiscard]] Result<void> flush();
    // Publishes the ends of temporary locks that ran out and drops forgotten subjects.
    void sweep();
    // Adopts locks written by other instances and lifts those an operator removed from the store.
    [[nodiscard]] Result<void> reload();

private:
    struct Entry
    {
        SubjectKind kind = SubjectKind::User;
        QString subject;
        FailureRecord record;
        QString lastSource;
        bool announceEnd = false; // this instance published the lock (or loaded it at start): it announces the end
        bool lockStored = false; // the store holds this lock: a lock missing from it later was lifted elsewhere
    };

    // A subject as the maps key it: no string built per lookup.
    struct Key
    {
        SubjectKind kind = SubjectKind::User;
        QString subject;

        friend bool operator==(const Key &, const Key &) = default;
        friend size_t qHash(const Key &key, size_t seed = 0) noexcept
        {
            return qHashMulti(seed, int(key.kind), key.subject);
        }
    };

    struct Pending
    {
        SubjectKind kind = SubjectKind::User;
        QString subject;
        bool evenIfLocked = false; // when the entry is gone: an operator's unlock
    };

    struct Shard
    {
        mutable std::mutex mutex;
        QHash<Key, Entry> entries;
        QHash<Key, Pending> dirty; // keys to write or, when the entry is gone, to remove
    };

    struct Changes; // events to publish and whether to write at once, gathered under locks, acted on after
    static constexpr std::size_t SHARDS = 16;

    FailedAuthTracker(std::shared_ptr<store::Database> database, const Clock &clock, Publish publish, Options options);

    [[nodiscard]] const LockoutPolicy &policyFor(SubjectKind kind) const;
    [[nodiscard]] Shard &shardFor(const Key &key);
    [[nodiscard]] const Shard &shardFor(const Key &key) const;
    void markDirty(Shard &shard, const Key &key, const Entry &entry, bool evenIfLocked = false) const;
    // Ends a temporary lock that ran out and drops a forgotten entry; false when the entry was dropped (`it` then
    // points at the next one).
    bool settle(Shard &shard, QHash<Key, Entry>::iterator &it, qint64 nowMs, Changes &changes);
    // The entry for `key`, made if needed; nullptr when the shard is full of locks.
    Entry *insert(Shard &shard, const Key &key, qint64 nowMs, Changes &changes);
    void evict(Shard &shard, qint64 nowMs, Changes &changes);

    Result<void> load();
    void finish(Changes &changes);
    void run(std::stop_token stop);

    [[nodiscard]] SecurityEvent event(EventType type, const Entry &entry, qint64 nowMs, const QString &reason,
                                      const QString &detail) const;

    std::shared_ptr<store::Database> m_database;
    std::unique_ptr<AuthFailureRepository> m_repository;
    const Clock &m_clock;
    Publish m_publish;
    Options m_options;
    qsizetype m_shardCapacity = 0;
    std::array<Shard, SHARDS> m_shards;
    std::atomic<qint64> m_untracked {0};
    std::atomic<qint64> m_lastFullWarningMs {0};

    std::mutex m_flushMutex; // one flush at a time
    std::mutex m_wakeMutex;
    std::condition_variable_any m_wake;
    bool m_urgent = false; // guarded by m_wakeMutex
    std::jthread m_thread;
};

} // namespace portcullis::monitor
