#include "ratelimit/RedisError.h"

namespace portcullis::ratelimit {

const char *errorDomain(RedisError)
{
    return "redis";
}

const char *errorCodeName(RedisError code)
{
    switch (code) {
    case RedisError::InvalidUrl:
        return "invalid_url";
    case RedisError::ConnectFailed:
        return "connect_failed";
    case RedisError::Unavailable:
        return "unavailable";
    case RedisError::Timeout:
        return "timeout";
    case RedisError::ConnectionLost:
        return "connection_lost";
    case RedisError::ProtocolError:
        return "protocol_error";
    case RedisError::CommandFailed:
        return "command_failed";
    }
    return "unknown";
}

} // namespace portcullis::ratelimit
