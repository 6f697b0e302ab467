#pragma once

namespace portcullis::monitor {

// Why a Redis event stream publisher or reader was refused at creation. Failures to reach Redis are RedisError
// (ratelimit/RedisError.h). Each Error's detail says what was wrong and what to do.
enum class EventStreamError
{
    InvalidKey, // a stream key that is empty, too long or has characters outside [A-Za-z0-9:._-]
    InvalidStartId, // a start id that is not "$", "0" or a stream id ("1718000000000-0")
    InvalidOption, // a length cap, batch size, block time or timeout out of range
};

const char *errorDomain(EventStreamError);
const char *errorCodeName(EventStreamError code);

} // namespace portcullis::monitor
