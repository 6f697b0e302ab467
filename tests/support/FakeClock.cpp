#include "FakeClock.h"

namespace portcullis::test {

FakeClock::FakeClock()
    : FakeClock(DEFAULT_START_MS)
{ }

FakeClock::FakeClock(qint64 unixMillis)
    : m_wallMs(unixMillis)
{ }

Clock::WallTime FakeClock::now() const
{
    return WallTime(std::chrono::milliseconds(m_wallMs.load()));
}

Clock::SteadyTime FakeClock::steadyNow() const
{
    return SteadyTime(std::chrono::milliseconds(m_steadyMs.load()));
}

void FakeClock::setUnixMillis(qint64 unixMillis)
{
    m_wallMs.store(unixMillis);
}

void FakeClock::advance(std::chrono::milliseconds step)
{
    Q_ASSERT(step.count() >= 0);
    m_wallMs.fetch_add(step.count());
    m_steadyMs.fetch_add(step.count());
}

} // namespace portcullis::test
