#include "monitor/EventStreamError.h"

namespace portcullis::monitor {

const char *errorDomain(EventStreamError)
{
    return "event_stream";
}

const char *errorCodeName(EventStreamError code)
{
    switch (code) {
    case EventStreamError::InvalidKey:
        return "invalid_key";
    case EventStreamError::InvalidStartId:
        return "invalid_start_id";
    case EventStreamError::InvalidOption:
        return "invalid_option";
    }
    return "unknown";
}

} // namespace portcullis::monitor
