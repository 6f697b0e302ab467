#pragma once

namespace portcullis::ratelimit {

// Why talking to Redis failed. Each Error's detail says what was wrong and what to do; it never holds the password.
enum class RedisError
{
    InvalidUrl, // not redis://[[user]:password@]host[:port][/db] or unix:///path[?db=N]
    ConnectFailed, // no connection (refused, unreachable, connect timeout, authentication or SELECT refused)
    Unavailable, // an earlier attempt failed and the next one is not due yet (reconnect backoff)
    Timeout, // the server did not answer within the command timeout; the connection was dropped
    ConnectionLost, // the connection broke while sending or reading
    ProtocolError, // a reply that is malformed, too large, too deeply nested or not what the script returns
    CommandFailed, // Redis answered with an error (a script error, OOM, a read-only replica, …)
};

const char *errorDomain(RedisError);
const char *errorCodeName(RedisError code);

} // namespace portcullis::ratelimit
