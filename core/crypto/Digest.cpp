#include "crypto/Digest.h"

#include <openssl/evp.h>

namespace portcullis::crypto {

namespace {

struct FetchedDigests
{
    FetchedDigests()
        : sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr))
        , sha384(EVP_MD_fetch(nullptr, "SHA384", nullptr))
        , sha512(EVP_MD_fetch(nullptr, "SHA512", nullptr))
    { }
    ~FetchedDigests()
    {
        EVP_MD_free(sha256);
        EVP_MD_free(sha384);
        EVP_MD_free(sha512);
    }
    FetchedDigests(const FetchedDigests &) = delete;
    FetchedDigests &operator=(const FetchedDigests &) = delete;

    EVP_MD *sha256;
    EVP_MD *sha384;
    EVP_MD *sha512;
};

const FetchedDigests &fetched()
{
    static const FetchedDigests s_digests;
    return s_digests;
}

} // namespace

const evp_md_st *evpDigest(DigestAlgorithm algorithm)
{
    switch (algorithm) {
    case DigestAlgorithm::Sha256:
        return fetched().sha256;
    case DigestAlgorithm::Sha384:
        return fetched().sha384;
    case DigestAlgorithm::Sha512:
        return fetched().sha512;
    }
    return nullptr;
}

int digestSize(DigestAlgorithm algorithm)
{
    switch (algorithm) {
    case DigestAlgorithm::Sha256:
        return 32;
    case DigestAlgorithm::Sha384:
        return 48;
    case DigestAlgorithm::Sha512:
        return 64;
    }
    return 0;
}

const char *digestName(DigestAlgorithm algorithm)
{
    switch (algorithm) {
    case DigestAlgorithm::Sha256:
        return "SHA256";
    case DigestAlgorithm::Sha384:
        return "SHA384";
    case DigestAlgorithm::Sha512:
        return "SHA512";
    }
    return "";
}

QByteArray digest(DigestAlgorithm algorithm, QByteArrayView data)
{
    QByteArray out(digestSize(algorithm), Qt::Uninitialized);
    unsigned int length = 0;
    if (EVP_Digest(data.data(), static_cast<size_t>(data.size()), reinterpret_cast<unsigned char *>(out.data()),
                   &length, evpDigest(algorithm), nullptr)
            != 1
        || length != static_cast<unsigned int>(out.size()))
        qFatal("OpenSSL failed to compute a %s digest", digestName(algorithm));
    return out;
}

} // namespace portcullis::crypto
