#pragma once

#include <chrono>

#include <QString>

#include "common/Result.h"

namespace portcullis::monitor {

// When repeated failed authentications lock a subject, with Keycloak's brute-force detection semantics
// (keycloak/keycloak, services/src/main/java/org/keycloak/services/managers/DefaultBruteForceProtector.java,
// and the "Brute force attacks" section of the Keycloak Server Administration Guide). Keycloak's names in brackets;
// the defaults are Keycloak's.
//
// On each failure that is counted (a failure while the subject is locked is not):
//  1. If the previous failure is older than failureResetTime, the count and the temporary lockouts start again
//     from zero (not under pure permanent lockout: permanentLockout with maxTemporaryLockouts 0).
//  2. The count goes up by one.
//  3. wait = waitIncrement × ⌊failures / maxFailures⌋ (Multiple, Keycloak's default strategy), or
//     wait = waitIncrement × (1 + failures − maxFailures) (Linear). No wait under pure permanent lockout.
//     With the defaults: failures 30–59 wait 60 s each, 60–89 wait 120 s, …, up to maxWait (15 min).
//  4. If wait ≤ 0 and the previous failure came less than quickLoginCheck before this one, wait =
//     minimumQuickLoginWait (a "quick login" lock: faster than a person types).
//  5. If wait > 0, it is capped at maxWait (not under pure permanent lockout) and the subject is locked until
//     now + wait. A threshold lock (not a quick-login one) adds one temporary lockout; with permanentLockout, a
//     temporary lockout beyond maxTemporaryLockouts becomes a permanent lock instead.
//  6. Under pure permanent lockout, reaching maxFailures locks permanently.
// A success clears the count and the temporary lockouts; a permanent lock ends only by an operator.
//
// Differences from Keycloak, on purpose: times are kept in milliseconds (Keycloak rounds the lock's end down to a
// whole second); a failure whose clock reads earlier than the previous one (the wall clock stepped back) neither
// resets the count nor counts as a quick login.
struct LockoutPolicy
{
    enum class WaitStrategy
    {
        Multiple, // the wait grows by waitIncrement each time the count passes another multiple of maxFailures
        Linear, // the wait grows by waitIncrement with every failure from maxFailures on
    };

    int maxFailures = 30; // [failureFactor] failures before the first threshold lock
    std::chrono::milliseconds waitIncrement {60'000}; // [waitIncrementSeconds]
    std::chrono::milliseconds maxWait {15 * 60'000}; // [maxFailureWaitSeconds]
    std::chrono::milliseconds failureResetTime {12 * 3600'000}; // [maxDeltaTimeSeconds] a quiet spell that forgets
    std::chrono::milliseconds quickLoginCheck {1000}; // [quickLoginCheckMilliSeconds] 0 turns the check off
    std::chrono::milliseconds minimumQuickLoginWait {60'000}; // [minimumQuickLoginWaitSeconds]
    bool permanentLockout = false; // [permanentLockout]
    int maxTemporaryLockouts = 0; // [maxTemporaryLockouts] with permanentLockout: temporary locks allowed first
    WaitStrategy strategy = WaitStrategy::Multiple; // [bruteForceStrategy]

    static constexpr int MAX_MAX_FAILURES = 1'000'000;
    static constexpr int MAX_TEMPORARY_LOCKOUTS = 1000;
    static constexpr std::chrono::milliseconds MAX_DURATION {366LL * 24 * 3600'000}; // a year
    static constexpr std::chrono::milliseconds MAX_QUICK_LOGIN_CHECK {60'000};

    // Keycloak's "Lockout permanently" mode: no temporary locks at the threshold, no forgetting with time.
    [[nodiscard]] bool purePermanent() const { return permanentLockout && maxTemporaryLockouts == 0; }

    // Whether the settings make sense together; the error says which one is wrong and what to set.
    [[nodiscard]] Result<void> validate() const;

    friend bool operator==(const LockoutPolicy &, const LockoutPolicy &) = default;
};

// Why a lock started.
enum class LockReason
{
    None,
    MaxFailures, // the count reached the threshold (or a multiple of it)
    QuickLogin, // two failures closer together than quickLoginCheck
    MaxTemporaryLockouts, // one temporary lockout too many: permanent
};

// The stable reason code of a lock in events and the store: "max_failures", "quick_login",
// "max_temporary_lockouts"; empty for None.
[[nodiscard]] QString lockReasonName(LockReason reason);
[[nodiscard]] LockReason lockReasonFromName(const QString &name);

// One subject's failure state, as the rules above read and change it. Times in ms since the epoch, 0 for none.
struct FailureRecord
{
    qint64 failures = 0;
    qint64 lastFailureMs = 0;
    qint64 lockedSinceMs = 0;
    qint64 lockedUntilMs = 0; // a temporary lock holds while now < lockedUntilMs
    bool permanent = false;
    int temporaryLockouts = 0;
    LockReason lockReason = LockReason::None;

    [[nodiscard]] bool lockedAt(qint64 nowMs) const { return permanent || nowMs < lockedUntilMs; }

    friend bool operator==(const FailureRecord &, const FailureRecord &) = default;
};

struct FailureOutcome
{
    bool counted = false; // false: the subject was locked and the failure changed nothing
    LockReason lockStarted = LockReason::None; // a lock that this failure started
};

// Applies one failure at `nowMs` to `record` under `policy` (steps 1–6 above).
[[nodiscard]] FailureOutcome applyFailure(const LockoutPolicy &policy, FailureRecord &record, qint64 nowMs);

// Whether `record` holds nothing worth keeping at `nowMs`: not locked, and its failures either none or forgotten
// (older than failureResetTime, except under pure permanent lockout, which never forgets).
[[nodiscard]] bool isForgotten(const LockoutPolicy &policy, const FailureRecord &record, qint64 nowMs);

} // namespace portcullis::monitor
