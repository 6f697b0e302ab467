#include "Clock.h"

namespace portcullis {

Clock::~Clock() = default;

qint64 Clock::unixSeconds() const
{
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
}

qint64 Clock::unixMillis() const
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
}

QDateTime Clock::nowUtc() const
{
    return QDateTime::fromMSecsSinceEpoch(unixMillis(), Qt::UTC);
}

Clock::WallTime SystemClock::now() const
{
    return std::chrono::system_clock::now();
}

Clock::SteadyTime SystemClock::steadyNow() const
{
    return std::chrono::steady_clock::now();
}

} // namespace portcullis
