#include "monitor/LockoutPolicy.h"

#include <algorithm>

#include <QStringBuilder>

#include "monitor/LockoutError.h"

namespace portcullis::monitor {

namespace {

QString seconds(std::chrono::milliseconds duration)
{
    return QString::number(double(duration.count()) / 1000.0, 'g', 12) % u" s";
}

Result<void> checkDuration(const char16_t *name, std::chrono::milliseconds value, std::chrono::milliseconds min,
                           std::chrono::milliseconds max)
{
    if (value >= min && value <= max)
        return {};
    return Error(LockoutError::InvalidDuration,
                 QStringLiteral("The lockout policy's %1 must be between %2 and %3 (it is %4).")
                     .arg(QStringView(name), seconds(min), seconds(max), seconds(value)));
}

// The wait the threshold rule gives, without overflowing however long the count grows: never more than one step
// past maxWait.
qint64 thresholdWaitMs(const LockoutPolicy &policy, qint64 failures)
{
    const qint64 increment = policy.waitIncrement.count();
    if (increment <= 0)
        return 0;
    const qint64 steps = policy.strategy == LockoutPolicy::WaitStrategy::Multiple ? failures / policy.maxFailures
                                                                                  : 1 + failures - policy.maxFailures;
    if (steps <= 0)
        return 0;
    return std::min<qint64>(steps, policy.maxWait.count() / increment + 1) * increment;
}

} // namespace

Result<void> LockoutPolicy::validate() const
{
    using std::chrono::milliseconds;
    if (maxFailures < 1 || maxFailures > MAX_MAX_FAILURES)
        return Error(LockoutError::InvalidMaxFailures,
                     QStringLiteral("The lockout policy's maximum failures must be between 1 and %1 (it is %2).")
                         .arg(MAX_MAX_FAILURES)
                         .arg(maxFailures));
    if (auto valid = checkDuration(u"wait increment", waitIncrement, milliseconds(0), MAX_DURATION); !valid)
        return valid;
    if (!purePermanent() && waitIncrement.count() == 0)
        return Error(LockoutError::InvalidDuration,
                     QStringLiteral("A wait increment of 0 never locks at the failure threshold: set at least 1 s, "
                                    "or turn on permanent lockout."));
    if (auto valid = checkDuration(u"maximum wait", maxWait, milliseconds(1000), MAX_DURATION); !valid)
        return valid;
    if (auto valid = checkDuration(u"failure reset time", failureResetTime, milliseconds(1000), MAX_DURATION); !valid)
        return valid;
    if (auto valid = checkDuration(u"quick-login check", quickLoginCheck, milliseconds(0), MAX_QUICK_LOGIN_CHECK);
        !valid)
        return valid;
    if (auto valid = checkDuration(u"minimum quick-login wait", minimumQuickLoginWait, milliseconds(0), MAX_DURATION);
        !valid)
        return valid;
    if (maxTemporaryLockouts < 0 || maxTemporaryLockouts > MAX_TEMPORARY_LOCKOUTS)
        return Error(LockoutError::InvalidTemporaryLockouts,
                     QStringLiteral("The lockout policy's maximum temporary lockouts must be between 0 and %1 (it "
                                    "is %2).")
                         .arg(MAX_TEMPORARY_LOCKOUTS)
                         .arg(maxTemporaryLockouts));
    if (maxTemporaryLockouts > 0 && !permanentLockout)
        return Error(LockoutError::InvalidTemporaryLockouts,
                     QStringLiteral("Maximum temporary lockouts counts temporary locks before a permanent one: turn "
                                    "on permanent lockout, or set it to 0."));
    return {};
}

QString lockReasonName(LockReason reason)
{
    switch (reason) {
    case LockReason::None:
        break;
    case LockReason::MaxFailures:
        return QStringLiteral("max_failures");
    case LockReason::QuickLogin:
        return QStringLiteral("quick_login");
    case LockReason::MaxTemporaryLockouts:
        return QStringLiteral("max_temporary_lockouts");
    }
    return QString();
}

LockReason lockReasonFromName(const QString &name)
{
    for (LockReason reason : {LockReason::MaxFailures, LockReason::QuickLogin, LockReason::MaxTemporaryLockouts}) {
        if (name == lockReasonName(reason))
            return reason;
    }
    return LockReason::None;
}

FailureOutcome applyFailure(const LockoutPolicy &policy, FailureRecord &record, qint64 nowMs)
{
    if (record.lockedAt(nowMs))
        return {};
    const bool purePermanent = policy.purePermanent();
    // A previous failure, on a clock that did not step back since: only then is the gap meaningful.
    const bool ordered = record.lastFailureMs > 0 && nowMs >= record.lastFailureMs;
    const qint64 gapMs = ordered ? nowMs - record.lastFailureMs : 0;
    if (!purePermanent && ordered && gapMs > policy.failureResetTime.count()) {
        record.failures = 0;
        record.temporaryLockouts = 0;
    }
    record.failures += 1;
    record.lastFailureMs = nowMs;

    qint64 waitMs = purePermanent ? 0 : thresholdWaitMs(policy, record.failures);
    bool quickLogin = false;
    if (waitMs <= 0 && ordered && gapMs < policy.quickLoginCheck.count()) {
        waitMs = policy.minimumQuickLoginWait.count();
        quickLogin = true;
    }
    FailureOutcome outcome {true, LockReason::None};
    if (waitMs > 0) {
        if (!purePermanent)
            waitMs = std::min<qint64>(waitMs, policy.maxWait.count());
        if (!quickLogin)
            record.temporaryLockouts += 1;
        if (quickLogin || !policy.permanentLockout || record.temporaryLockouts <= policy.maxTemporaryLockouts) {
            record.lockedSinceMs = nowMs;
            record.lockedUntilMs = nowMs + waitMs;
            record.lockReason = quickLogin ? LockReason::QuickLogin : LockReason::MaxFailures;
            outcome.lockStarted = record.lockReason;
        }
    }
    if (policy.permanentLockout
        && (record.temporaryLockouts > policy.maxTemporaryLockouts
            || (policy.maxTemporaryLockouts == 0 && record.failures >= policy.maxFailures))) {
        record.permanent = true;
        record.lockedSinceMs = nowMs;
        record.lockedUntilMs = 0;
        record.lockReason = purePermanent ? LockReason::MaxFailures : LockReason::MaxTemporaryLockouts;
        outcome.lockStarted = record.lockReason;
    }
    return outcome;
}

bool isForgotten(const LockoutPolicy &policy, const FailureRecord &record, qint64 nowMs)
{
    if (record.lockedAt(nowMs))
        return false;
    if (record.failures == 0)
        return true;
    return !policy.purePermanent() && nowMs >= record.lastFailureMs
        && nowMs - record.lastFailureMs > policy.failureResetTime.count();
}

} // namespace portcullis::monitor
