#pragma once

#include <atomic>

#include "common/Clock.h"

namespace portcullis::test {

// A clock that moves only when told. Wall and monotonic time advance together; the wall time can also be set
// (even backwards, to test clock steps), which leaves the monotonic time alone.
class FakeClock final : public Clock
{
public:
    // Starts at 2026-01-01T00:00:00Z.
    FakeClock();
    explicit FakeClock(qint64 unixMillis);

    [[nodiscard]] WallTime now() const override;
    [[nodiscard]] SteadyTime steadyNow() const override;

    void setUnixMillis(qint64 unixMillis);
    void setUnixSeconds(qint64 unixSeconds) { setUnixMillis(unixSeconds * 1000); }
    void advance(std::chrono::milliseconds step);

    static constexpr qint64 DEFAULT_START_MS = 1767225600000; // 2026-01-01T00:00:00Z

private:
    std::atomic<qint64> m_wallMs;
    std::atomic<qint64> m_steadyMs {0};
};

} // namespace portcullis::test
