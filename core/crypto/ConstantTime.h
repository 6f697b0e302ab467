#pragma once

#include <QByteArrayView>

namespace portcullis::crypto {

// Compares secrets in time that depends only on their lengths (CRYPTO_memcmp). Different lengths compare
// unequal at once: lengths are not secret in any use here (MACs, digests, keyed hashes).
[[nodiscard]] bool constantTimeEqual(QByteArrayView a, QByteArrayView b);

} // namespace portcullis::crypto
