#include "ratelimit/ReconnectBackoff.h"

#include "crypto/Random.h"

namespace portcullis::ratelimit {

namespace {

using std::chrono::milliseconds;

// Between half and all of `delay`, in whole milliseconds.
milliseconds jittered(milliseconds delay)
{
    const auto half = delay / 2;
    const auto spread = quint32(std::min<qint64>(half.count(), 0x7fffffff)) + 1;
    const auto random = crypto::random::uniform(spread);
    return delay - half + milliseconds(random ? *random : spread / 2);
}

} // namespace

ReconnectBackoff::ReconnectBackoff(const Clock &clock, milliseconds initial, milliseconds max)
    : m_clock(clock)
    , m_initial(std::max(initial, milliseconds(1)))
    , m_max(std::max(max, std::chrono::duration_cast<milliseconds>(m_initial)))
{ }

bool ReconnectBackoff::tryAttempt()
{
    const auto now = m_clock.steadyNow();
    const std::lock_guard lock(m_mutex);
    if (m_failures == 0)
        return true;
    if (now < m_nextAttempt)
        return false;
    m_nextAttempt = now + m_delay; // reserved: others wait while this attempt runs
    m_attemptInFlight = true;
    return true;
}

void ReconnectBackoff::failed()
{
    const auto now = m_clock.steadyNow();
    const std::lock_guard lock(m_mutex);
    // Another connection noticing the same outage while the server is already being waited for changes nothing.
    if (m_failures > 0 && !m_attemptInFlight)
        return;
    m_attemptInFlight = false;
    ++m_failures;
    m_delay = m_failures == 1 ? m_initial : std::min(m_delay * 2, m_max);
    m_nextAttempt = now + jittered(std::chrono::duration_cast<milliseconds>(m_delay));
}

void ReconnectBackoff::succeeded()
{
    const std::lock_guard lock(m_mutex);
    m_failures = 0;
    m_attemptInFlight = false;
    m_delay = Duration(0);
    m_nextAttempt = {};
}

bool ReconnectBackoff::isFailing() const
{
    const std::lock_guard lock(m_mutex);
    return m_failures > 0;
}

milliseconds ReconnectBackoff::waitLeft() const
{
    const auto now = m_clock.steadyNow();
    const std::lock_guard lock(m_mutex);
    if (m_failures == 0 || now >= m_nextAttempt)
        return milliseconds(0);
    return std::chrono::ceil<milliseconds>(m_nextAttempt - now);
}

} // namespace portcullis::ratelimit
