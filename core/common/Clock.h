#pragma once

#include <chrono>

#include <QDateTime>

namespace portcullis {

// Where every part of core reads the time. Production code receives a SystemClock from the composition
// root; tests pass a FakeClock (tests/support) and move time by hand.
class Clock
{
public:
    using WallTime = std::chrono::system_clock::time_point;
    using SteadyTime = std::chrono::steady_clock::time_point;

    virtual ~Clock();

    // Wall-clock time (UTC): token claims, event timestamps, expiry dates.
    [[nodiscard]] virtual WallTime now() const = 0;
    // Monotonic time: timeouts, rate-limit windows, durations. Never goes back.
    [[nodiscard]] virtual SteadyTime steadyNow() const = 0;

    [[nodiscard]] qint64 unixSeconds() const;
    [[nodiscard]] qint64 unixMillis() const;
    [[nodiscard]] QDateTime nowUtc() const;
};

class SystemClock final : public Clock
{
public:
    [[nodiscard]] WallTime now() const override;
    [[nodiscard]] SteadyTime steadyNow() const override;
};

// A clock stopped at one instant (for `--now` options and reproducible runs); monotonic time does not move.
class FixedClock final : public Clock
{
public:
    explicit FixedClock(qint64 unixSeconds)
        : m_time(std::chrono::seconds(unixSeconds))
    { }
    [[nodiscard]] WallTime now() const override { return m_time; }
    [[nodiscard]] SteadyTime steadyNow() const override { return SteadyTime(); }

private:
    WallTime m_time;
};

} // namespace portcullis
