#include "jose/CompactJws.h"

#include <array>
#include <cstring>

#include "common/Redaction.h"
#include "crypto/Base64Url.h"
#include "jose/JoseError.h"

namespace portcullis::jose {

namespace {

Error malformed(const QString &detail)
{
    return Error(JoseError::Malformed, detail);
}

QString segmentName(int index)
{
    static const char *const NAMES[] = {"header", "payload", "signature"};
    return QString::fromLatin1(NAMES[index]);
}

QByteArray stringMember(const JsonDocument &document, QByteArrayView name)
{
    const auto value = document.root().member(name);
    return value && value->isString() ? value->toUtf8() : QByteArray();
}

Error encryptedTokenError(QByteArrayView token)
{
    QString detail = QStringLiteral("this is an encrypted token (JWE, five segments); Portcullis shows its header but "
                                    "does not decrypt or verify JWE");
    QByteArray header;
    const qsizetype dot = token.indexOf('.');
    if (crypto::base64url::decodeInto(token.first(dot), header)) {
        if (auto parsed = JsonDocument::parse(header); parsed && parsed->root().isObject())
            detail += QStringLiteral(". Its header: ")
                + redaction::escapeUntrusted(QString::fromUtf8(parsed->root().rawText()), 300);
    }
    return Error(JoseError::Encrypted, detail);
}

Error segmentCountError(QByteArrayView token)
{
    const qsizetype segments = token.count('.') + 1;
    if (segments == 5)
        return encryptedTokenError(token);
    return malformed(QStringLiteral("a compact JWS has 3 segments separated by '.'; this token has %1").arg(segments));
}

// Tokens from one issuer share their header bytes. A small per-thread cache maps the exact base64url header
// segment to its parsed document (valid JSON objects only), which is a pure function of those bytes and the limits:
// caching it changes no result and skips decoding and parsing the header again.
struct HeaderCacheEntry
{
    QByteArray raw;
    JsonLimits limits;
    JsonDocument document;
};
constexpr qsizetype HEADER_CACHE_MAX_BYTES = 512;
constexpr std::size_t HEADER_CACHE_ENTRIES = 8;
thread_local std::array<HeaderCacheEntry, HEADER_CACHE_ENTRIES> s_headerCache;
thread_local std::size_t s_headerCacheNext = 0;

bool sameLimits(const JsonLimits &a, const JsonLimits &b)
{
    return a.maxBytes == b.maxBytes && a.maxDepth == b.maxDepth && a.maxValues == b.maxValues;
}

bool cachedHeader(QByteArrayView raw, const JsonLimits &limits, JsonDocument &out)
{
    if (raw.size() > HEADER_CACHE_MAX_BYTES)
        return false;
    for (const HeaderCacheEntry &entry : s_headerCache) {
        if (entry.raw.size() == raw.size() && entry.raw == raw && sameLimits(entry.limits, limits)) {
            out = entry.document;
            return true;
        }
    }
    return false;
}

void rememberHeader(QByteArrayView raw, const JsonLimits &limits, const JsonDocument &document)
{
    if (raw.size() > HEADER_CACHE_MAX_BYTES)
        return;
    HeaderCacheEntry &entry = s_headerCache[s_headerCacheNext++ % HEADER_CACHE_ENTRIES];
    entry.raw = raw.toByteArray();
    entry.limits = limits;
    entry.document = document;
}

} // namespace

Result<CompactJws> CompactJws::parse(QByteArrayView token, const JwsLimits &limits)
{
    if (token.size() > limits.maxTokenBytes)
        return Error(JoseError::TooLarge,
                     QStringLiteral("the token is %1 bytes; tokens above %2 bytes are refused")
                         .arg(token.size())
                         .arg(limits.maxTokenBytes));
    if (token.isEmpty())
        return malformed(QStringLiteral("the token is empty"));

    const qsizetype first = token.indexOf('.');
    const qsizetype second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first < 0 || second < 0)
        return segmentCountError(token);
    // A third dot would be in the signature segment, which then cannot decode ('.' is not base64url): it is looked
    // for only when parsing fails, so that a token is not scanned to its end once more, and a token with more than
    // three segments still gets this error before any other.
    CompactJws jws;
    if (auto read = jws.readSegments(token, first, second, limits); !read) {
        if (token.indexOf('.', second + 1) >= 0)
            return segmentCountError(token);
        return read.error();
    }
    return jws;
}

Result<void> CompactJws::readSegments(QByteArrayView token, qsizetype first, qsizetype second, const JwsLimits &limits)
{
    m_firstDot = first;
    m_secondDot = second;
    m_tokenSize = token.size();

    const QByteArrayView segments[]
        = {token.first(first), token.sliced(first + 1, second - first - 1), token.sliced(second + 1)};
    if (segments[0].isEmpty())
        return malformed(QStringLiteral("the header segment is empty"));

    // Header and payload are decoded into per-thread scratch space: their JSON documents keep their own copy. The
    // signature is decoded straight after the copy of the token.
    thread_local QByteArray s_header;
    thread_local QByteArray s_payload;
    const auto badSegment = [&segments](int i) {
        const auto detailed = crypto::base64url::decode(segments[i]);
        return malformed(QStringLiteral("the %1 segment is not valid base64url: %2")
                             .arg(segmentName(i), detailed ? QString() : detailed.error().detail()));
    };
    const bool headerCached = cachedHeader(segments[0], limits.json, m_header);
    if (!headerCached && !crypto::base64url::decodeInto(segments[0], s_header))
        return badSegment(0);
    if (!crypto::base64url::decodeInto(segments[1], s_payload))
        return badSegment(1);
    const qsizetype signatureSize = crypto::base64url::decodedLength(segments[2].size());
    if (signatureSize < 0)
        return badSegment(2);
    m_token = QByteArray(token.size() + signatureSize, Qt::Uninitialized);
    std::memcpy(m_token.data(), token.data(), size_t(token.size()));
    if (!crypto::base64url::decodeTo(segments[2], m_token.data() + token.size()))
        return badSegment(2);

    if (!headerCached) {
        auto parsedHeader = JsonDocument::parse(s_header, limits.json);
        if (!parsedHeader)
            return Error(parsedHeader.error().is(JsonError::TooLarge) ? JoseError::TooLarge : JoseError::Malformed,
                         QStringLiteral("the header is not valid JSON: ") + parsedHeader.error().detail());
        if (!parsedHeader->root().isObject())
            return malformed(QStringLiteral("the header is JSON but not an object"));
        m_header = std::move(*parsedHeader);
        rememberHeader(segments[0], limits.json, m_header);
    }

    // The payload of a JWT is a JSON object; other JWS payloads are opaque bytes.
    if (!s_payload.isEmpty() && s_payload.front() == '{') {
        auto claims = JsonDocument::parse(s_payload, limits.json);
        if (!claims)
            return malformed(QStringLiteral("the payload looks like JSON but is not valid: ")
                             + claims.error().detail());
        m_claims = std::move(*claims);
    } else {
        m_payload = s_payload;
        m_payload.detach();
    }
    return {};
}

QByteArrayView CompactJws::signingInput() const
{
    return QByteArrayView(m_token).first(m_secondDot);
}

QByteArrayView CompactJws::rawHeader() const
{
    return QByteArrayView(m_token).first(m_firstDot);
}

QByteArrayView CompactJws::rawPayload() const
{
    return QByteArrayView(m_token).sliced(m_firstDot + 1, m_secondDot - m_firstDot - 1);
}

QByteArrayView CompactJws::rawSignature() const
{
    return QByteArrayView(m_token).sliced(m_secondDot + 1, m_tokenSize - m_secondDot - 1);
}

QByteArray CompactJws::algorithmName() const
{
    return stringMember(m_header, "alg");
}

QByteArray CompactJws::keyId() const
{
    return stringMember(m_header, "kid");
}

QByteArray CompactJws::type() const
{
    return stringMember(m_header, "typ");
}

} // namespace portcullis::jose
