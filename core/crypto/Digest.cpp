#include "crypto/Digest.h"

#include <openssl/evp.h>

#include "crypto/OpenSslPtr.h"

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

bool digestInto(DigestAlgorithm algorithm, QByteArrayView data, unsigned char *out)
{
    // Initialising a context again for the same digest keeps its provider context: no allocation per digest, as
    // EVP_Digest() would make.
    thread_local const EvpMdCtxPtr t_context(EVP_MD_CTX_new());
    EVP_MD_CTX *context = t_context.get();
    unsigned int length = 0;
    return context && EVP_DigestInit_ex2(context, evpDigest(algorithm), nullptr) == 1
        && EVP_DigestUpdate(context, data.data(), static_cast<size_t>(data.size())) == 1
        && EVP_DigestFinal_ex(context, out, &length) == 1 && length == static_cast<unsigned int>(digestSize(algorithm));
}

QByteArray digest(DigestAlgorithm algorithm, QByteArrayView data)
{
    QByteArray out(digestSize(algorithm), Qt::Uninitialized);
    if (!digestInto(algorithm, data, reinterpret_cast<unsigned char *>(out.data())))
        qFatal("OpenSSL failed to compute a %s digest", digestName(algorithm));
    return out;
}

} // namespace portcullis::crypto
