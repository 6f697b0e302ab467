#include "jose/JsonError.h"

namespace portcullis::jose {

const char *errorDomain(JsonError)
{
    return "json";
}

const char *errorCodeName(JsonError code)
{
    switch (code) {
    case JsonError::Syntax:
        return "syntax";
    case JsonError::TooDeep:
        return "too_deep";
    case JsonError::TooLarge:
        return "too_large";
    case JsonError::TooManyValues:
        return "too_many_values";
    case JsonError::DuplicateMember:
        return "duplicate_member";
    case JsonError::InvalidUtf8:
        return "invalid_utf8";
    case JsonError::InvalidEscape:
        return "invalid_escape";
    case JsonError::TrailingData:
        return "trailing_data";
    case JsonError::Empty:
        return "empty";
    }
    return "unknown";
}

} // namespace portcullis::jose
