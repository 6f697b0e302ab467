#pragma once

#include "monitor/Alert.h"

namespace portcullis::monitor {

// Where alerts go: a webhook, the console's desktop notification, a test's list. The engine calls notify() from its
// delivery thread, one alert at a time; notify() must return at once (queue, never wait on the network or a user),
// and must be safe to call from any thread.
class AlertSink
{
public:
    virtual ~AlertSink() = default;
    virtual void notify(const Alert &alert) = 0;
};

} // namespace portcullis::monitor
