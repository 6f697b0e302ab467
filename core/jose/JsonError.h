#pragma once

namespace portcullis::jose {

// Why a JSON text was refused by JsonDocument::parse. The Error's detail says what and at which byte offset
// (counted from 0), echoing at most a few bytes of the input, escaped.
enum class JsonError
{
    Syntax, // not RFC 8259 JSON: unexpected character, bad number or literal, unterminated string, …
    TooDeep, // arrays/objects nested deeper than JsonLimits::maxDepth
    TooLarge, // the input is longer than JsonLimits::maxBytes (checked before parsing)
    TooManyValues, // more than JsonLimits::maxValues values
    DuplicateMember, // an object names a member twice (compared after unescaping)
    InvalidUtf8, // bytes that are not well-formed UTF-8 (overlong, surrogate, > U+10FFFF, truncated)
    InvalidEscape, // an unknown backslash escape, a malformed \uXXXX, or a lone UTF-16 surrogate
    TrailingData, // something after the one top-level value
    Empty, // no value at all (empty or only white space)
};

const char *errorDomain(JsonError);
const char *errorCodeName(JsonError code);

} // namespace portcullis::jose
