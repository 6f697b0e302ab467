#include "monitor/EventLogError.h"

namespace portcullis::monitor {

const char *errorDomain(EventLogError)
{
    return "eventlog";
}

const char *errorCodeName(EventLogError code)
{
    switch (code) {
    case EventLogError::InvalidQuery:
        return "invalid_query";
    case EventLogError::ExportFailed:
        return "export_failed";
    }
    return "unknown";
}

} // namespace portcullis::monitor
