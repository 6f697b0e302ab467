#pragma once

#include <QByteArray>
#include <QByteArrayView>

struct evp_md_st;

namespace portcullis::crypto {

enum class DigestAlgorithm
{
    Sha256,
    Sha384,
    Sha512,
};

// The fetched OpenSSL digest (fetched once per process, then shared).
[[nodiscard]] const evp_md_st *evpDigest(DigestAlgorithm algorithm);
[[nodiscard]] int digestSize(DigestAlgorithm algorithm);
[[nodiscard]] const char *digestName(DigestAlgorithm algorithm); // "SHA256", as OpenSSL names it

[[nodiscard]] QByteArray digest(DigestAlgorithm algorithm, QByteArrayView data);
// Writes the digest (digestSize bytes) to `out`; false only if OpenSSL fails. Reuses a context per thread.
bool digestInto(DigestAlgorithm algorithm, QByteArrayView data, unsigned char *out);
[[nodiscard]] inline QByteArray sha256(QByteArrayView data)
{
    return digest(DigestAlgorithm::Sha256, data);
}

} // namespace portcullis::crypto
