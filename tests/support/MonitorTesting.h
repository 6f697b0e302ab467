#pragma once

#include "engine/SecurityMonitor.h"

namespace portcullis::test {

// A security monitor for one test: no background threads, the default rules, no stream and no webhook.
inline engine::SecurityMonitor::Options monitorOptions(const QString &instanceId)
{
    engine::SecurityMonitor::Options options;
    options.instanceId = instanceId;
    options.background = false;
    return options;
}

} // namespace portcullis::test
