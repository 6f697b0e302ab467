#pragma once

// The JSON of the JOSE module, for attacker-controlled JWT headers and claims and for building our own:
//  - JsonDocument parses strictly (RFC 8259, duplicate names refused, limits on size, depth and count),
//    keeping member order and numbers as written;
//  - JsonValue reads a parsed document without copying (JsonMemberNames: names it looks up again and again);
//  - JsonWriter builds compact JSON in the order written.
// QJsonDocument is not used: it accepts duplicate names silently and sorts members.

#include "jose/JsonDocument.h"
#include "jose/JsonError.h"
#include "jose/JsonMemberNames.h"
#include "jose/JsonValue.h"
#include "jose/JsonWriter.h"
