#pragma once

#include <chrono>
#include <mutex>

#include "common/Clock.h"

namespace portcullis::ratelimit {

// When the next connection attempt to a failed server may be made, shared by every connection to that server, so
// a dead server costs one quick failure per backoff period instead of a connect timeout per request.
// After the first failure the delay starts at `initial` and doubles with each failure in a row up to `max`; each
// delay is jittered to between half and all of it (from the CSPRNG), so many instances do not retry in step.
// While a retry is in flight, other callers are told to wait. Thread-safe.
class ReconnectBackoff
{
public:
    ReconnectBackoff(const Clock &clock, std::chrono::milliseconds initial, std::chrono::milliseconds max);

    // Whether an attempt may be made now. When it may and the server has been failing, the attempt is reserved:
    // others are refused until it has failed (failed()) or succeeded (succeeded()), or one delay has passed.
    [[nodiscard]] bool tryAttempt();
    // A connection attempt, or a command on an established connection, failed. While the server is already being
    // waited for, only the reserved attempt's failure lengthens the delay.
    void failed();
    void succeeded();

    [[nodiscard]] bool isFailing() const;
    // How long until the next attempt may be made; zero when it may be made now.
    [[nodiscard]] std::chrono::milliseconds waitLeft() const;

private:
    using Duration = Clock::SteadyTime::duration;

    const Clock &m_clock;
    const Duration m_initial;
    const Duration m_max;
    mutable std::mutex m_mutex;
    int m_failures = 0;
    bool m_attemptInFlight = false;
    Duration m_delay {0};
    Clock::SteadyTime m_nextAttempt {};
};

} // namespace portcullis::ratelimit
