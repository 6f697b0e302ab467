#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include "common/Result.h"

namespace portcullis::crypto::base64url {

// RFC 4648 §5 without padding, as JOSE uses it (RFC 7515 §2).
[[nodiscard]] QByteArray encode(QByteArrayView bytes);

// Strict decoding: only A–Z a–z 0–9 - _, no padding, no white space, no length of the form 4n+1, and a canonical
// final character (the unused low bits are zero), so that every byte string has exactly one accepted encoding.
[[nodiscard]] Result<QByteArray> decode(QByteArrayView text);

// The same check without an error message, into `out` (which is resized to the decoded length): for hot paths.
[[nodiscard]] bool decodeInto(QByteArrayView text, QByteArray &out);
// The same into memory with room for decodedLength(text.size()) bytes; what it holds after a failure is unspecified.
[[nodiscard]] bool decodeTo(QByteArrayView text, char *out);

// The exact decoded length of a valid encoding of `length` characters, or -1 when no valid encoding has it.
[[nodiscard]] qsizetype decodedLength(qsizetype length);

} // namespace portcullis::crypto::base64url
