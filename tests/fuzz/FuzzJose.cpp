// libFuzzer target: JSON parsing, compact JWS parsing, verification with every key type, JWK parsing and the
// linter, on arbitrary bytes. Any crash, sanitizer report or broken invariant is a failure.

#include <cstdint>
#include <cstdlib>

#include "common/Clock.h"
#include "crypto/Base64Url.h"
#include "jose/JsonMemberNames.h"
#include "jose/Jwk.h"
#include "jose/Linter.h"
#include "jose/Verifier.h"

using namespace portcullis;
using namespace portcullis::jose;

namespace {

const Verifier &verifier()
{
    static const FixedClock s_clock(1767225600);
    static const Verifier s_verifier = [] {
        VerificationPolicy policy;
        policy.allowedAlgorithms = crypto::jwa::all();
        policy.issuer = QStringLiteral("https://issuer.test");
        policy.audience = QStringLiteral("api");
        JwkSet keys;
        for (crypto::Algorithm algorithm :
             {crypto::Algorithm::HS512, crypto::Algorithm::RS256, crypto::Algorithm::ES256, crypto::Algorithm::ES512,
              crypto::Algorithm::EdDSA})
            keys.add(Jwk::fromKey(crypto::Key::generateFor(algorithm).value()));
        return Verifier(policy, keys, s_clock);
    }();
    return s_verifier;
}

void check(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));

    if (auto document = JsonDocument::parse(input)) {
        // Whatever parses must re-serialise to JSON that parses to the same shape.
        const QByteArray pretty = document->root().toPrettyJson(2);
        auto again = JsonDocument::parse(pretty);
        check(again.has_value());
        check(again->root().toPrettyJson(2) == pretty);
        if (document->root().isObject()) {
            (void)Jwk::fromJson(document->root());
            // One pass over the members finds what member() finds, names asked twice included.
            const JsonValue root = document->root();
            QList<QByteArray> names = {"alg", "kid", "exp", "alg", "", "abcdefghij"};
            for (qsizetype i = 0; i < root.size() && i < 8; ++i)
                names << root.memberName(i) << root.memberName(i) + 'x';
            const JsonMemberNames wanted(names);
            std::optional<JsonValue> found[22];
            root.findMembers(wanted, found);
            for (qsizetype k = 0; k < names.size(); ++k) {
                const auto expected = root.member(names[k]);
                check(found[k].has_value() == expected.has_value());
                check(!expected || found[k]->sourceOffset() == expected->sourceOffset());
            }
        }
    }
    // Strict base64url decodes only what Qt's decoder also accepts, to the same bytes.
    QByteArray decoded;
    if (crypto::base64url::decodeInto(input, decoded)) {
        const auto reference = QByteArray::fromBase64Encoding(
            input.toByteArray(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
        check(reference && *reference == decoded);
    }
    if (auto jws = CompactJws::parse(input)) {
        LintOptions options;
        options.tryCommonSecrets = false;
        static const FixedClock s_clock(1767225600);
        (void)Linter::lint(*jws, s_clock, options);
    }
    (void)verifier().verify(input);
    (void)JwkSet::parse(input);
    return 0;
}
