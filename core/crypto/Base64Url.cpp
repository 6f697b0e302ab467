#include "crypto/Base64Url.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PORTCULLIS_BASE64_AVX2 1
#endif

#include "crypto/CryptoError.h"

namespace portcullis::crypto::base64url {

namespace {

constexpr char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr signed char INVALID = -1;

constexpr std::array<signed char, 256> makeDecodeTable()
{
    std::array<signed char, 256> table {};
    for (auto &entry : table)
        entry = INVALID;
    for (int i = 0; i < 64; ++i)
        table[static_cast<unsigned char>(ALPHABET[i])] = static_cast<signed char>(i);
    return table;
}

constexpr std::array<signed char, 256> DECODE = makeDecodeTable();

inline int value(char c)
{
    return DECODE[static_cast<unsigned char>(c)];
}

// Four tables that place a character's six bits where they belong in a 24-bit group, so a group of four
// characters decodes with four loads and three ORs. An invalid character sets bit 31, checked once per group.
constexpr quint32 BAD = 0x80000000u;

constexpr std::array<quint32, 256> makeShiftedTable(int shift)
{
    std::array<quint32, 256> table {};
    for (int c = 0; c < 256; ++c)
        table[c] = DECODE[c] < 0 ? BAD : quint32(DECODE[c]) << shift;
    return table;
}

constexpr std::array<quint32, 256> D0 = makeShiftedTable(18);
constexpr std::array<quint32, 256> D1 = makeShiftedTable(12);
constexpr std::array<quint32, 256> D2 = makeShiftedTable(6);
constexpr std::array<quint32, 256> D3 = makeShiftedTable(0);

#if defined(PORTCULLIS_BASE64_AVX2)
// Decodes 32 characters into 24 bytes, the first 24 of `out`'s 32 (the last 8 are overwritten); `invalid` gets
// a non-zero byte for each character outside the alphabet.
//
// A character is checked by its two nibbles: each high nibble has a class bit (CLASS_BITS), and each low nibble
// the bits of the classes in which it makes no valid character (INVALID_IN). The sextet is the character plus an
// offset that depends on its high nibble alone, except for '_', which shares the high nibble of 'P'..'Z'.
__attribute__((target("avx2"))) inline void decodeBlockAvx2(const unsigned char *in, unsigned char *out,
                                                            __m256i &invalid)
{
    // Classes: 0x01 high nibble 2 ('-'), 0x02 3 ('0'..'9'), 0x04 4 and 6 ('A'..'O', 'a'..'o'), 0x08 5 ('P'..'Z',
    // '_'), 0x10 7 ('p'..'z'), 0x20 any other (nothing valid).
    const __m256i classBits = _mm256_setr_epi8(0x20, 0x20, 0x01, 0x02, 0x04, 0x08, 0x04, 0x10, 0x20, 0x20, 0x20, 0x20,
                                               0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x01, 0x02, 0x04, 0x08, 0x04, 0x10,
                                               0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20);
    const __m256i invalidIn = _mm256_setr_epi8(0x25, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x23, 0x3B,
                                               0x3B, 0x3A, 0x3B, 0x33, 0x25, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21,
                                               0x21, 0x21, 0x23, 0x3B, 0x3B, 0x3A, 0x3B, 0x33);
    const __m256i offsets
        = _mm256_setr_epi8(0, 0, 62 - '-', 52 - '0', -'A', -'A', 26 - 'a', 26 - 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                           62 - '-', 52 - '0', -'A', -'A', 26 - 'a', 26 - 'a', 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i text = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(in));
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i high = _mm256_and_si256(_mm256_srli_epi16(text, 4), nibble);
    const __m256i low = _mm256_and_si256(text, nibble);
    invalid = _mm256_or_si256(
        invalid, _mm256_and_si256(_mm256_shuffle_epi8(classBits, high), _mm256_shuffle_epi8(invalidIn, low)));
    const __m256i underscore
        = _mm256_and_si256(_mm256_cmpeq_epi8(text, _mm256_set1_epi8('_')), _mm256_set1_epi8((63 - '_') - -'A'));
    const __m256i sextets = _mm256_add_epi8(text, _mm256_add_epi8(_mm256_shuffle_epi8(offsets, high), underscore));
    // Per four characters a, b, c, d: a·64 + b and c·64 + d, then (a·64 + b)·4096 + c·64 + d.
    const __m256i pairs = _mm256_maddubs_epi16(sextets, _mm256_set1_epi32(0x01400140));
    const __m256i groups = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    // Each group's three bytes, most significant first, then the 24 bytes of both halves together.
    const __m256i toBytes = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2, 1, 0, 6, 5, 4,
                                             10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    const __m256i bytes
        = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(groups, toBytes), _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(out), bytes);
}

// Decodes complete groups of `in`, 32 characters at a time while at least 32 are left, into `out`, which has room
// for the n / 4 * 3 bytes of the whole input. Returns the characters decoded, or -1 when one of them is outside the
// alphabet. Nothing is read or written outside the input and the output.
__attribute__((target("avx2"))) qsizetype decodeBlocksAvx2(const unsigned char *in, qsizetype n, unsigned char *out)
{
    __m256i invalid = _mm256_setzero_si256();
    qsizetype i = 0;
    // Straight into the output while it has room for the whole 32-byte store...
    for (; n - i >= 44; i += 32, out += 24)
        decodeBlockAvx2(in + i, out, invalid);
    // ...and the last block through a buffer.
    if (n - i >= 32) {
        unsigned char bytes[32];
        decodeBlockAvx2(in + i, bytes, invalid);
        std::memcpy(out, bytes, 24);
        i += 32;
    }
    return _mm256_testz_si256(invalid, invalid) ? i : -1;
}

bool hasAvx2()
{
    static const bool s_avx2 = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return s_avx2;
}
#endif

} // namespace

QByteArray encode(QByteArrayView bytes)
{
    const qsizetype n = bytes.size();
    QByteArray out((n / 3) * 4 + (n % 3 ? n % 3 + 1 : 0), Qt::Uninitialized);
    const auto *in = reinterpret_cast<const unsigned char *>(bytes.data());
    char *o = out.data();
    qsizetype i = 0;
    for (; i + 3 <= n; i += 3) {
        const unsigned v = (unsigned(in[i]) << 16) | (unsigned(in[i + 1]) << 8) | in[i + 2];
        *o++ = ALPHABET[(v >> 18) & 63];
        *o++ = ALPHABET[(v >> 12) & 63];
        *o++ = ALPHABET[(v >> 6) & 63];
        *o++ = ALPHABET[v & 63];
    }
    if (n - i == 1) {
        const unsigned v = unsigned(in[i]) << 16;
        *o++ = ALPHABET[(v >> 18) & 63];
        *o++ = ALPHABET[(v >> 12) & 63];
    } else if (n - i == 2) {
        const unsigned v = (unsigned(in[i]) << 16) | (unsigned(in[i + 1]) << 8);
        *o++ = ALPHABET[(v >> 18) & 63];
        *o++ = ALPHABET[(v >> 12) & 63];
        *o++ = ALPHABET[(v >> 6) & 63];
    }
    return out;
}

qsizetype decodedLength(qsizetype length)
{
    if (length < 0 || length % 4 == 1)
        return -1;
    return (length / 4) * 3 + (length % 4 ? length % 4 - 1 : 0);
}

bool decodeInto(QByteArrayView text, QByteArray &out)
{
    const qsizetype size = decodedLength(text.size());
    if (size < 0)
        return false;
    out.resize(size);
    return decodeTo(text, out.data());
}

bool decodeTo(QByteArrayView text, char *out)
{
    const qsizetype n = text.size();
    if (decodedLength(n) < 0)
        return false;
    const auto *in = reinterpret_cast<const unsigned char *>(text.data());
    auto *o = reinterpret_cast<unsigned char *>(out);
    qsizetype i = 0;
#if defined(PORTCULLIS_BASE64_AVX2)
    if (n >= 32 && hasAvx2()) {
        i = decodeBlocksAvx2(in, n, o);
        if (i < 0)
            return false;
        o += i / 4 * 3;
    }
#endif
    quint32 bad = 0;
    for (; i + 4 <= n; i += 4) {
        const quint32 v = D0[in[i]] | D1[in[i + 1]] | D2[in[i + 2]] | D3[in[i + 3]];
        bad |= v;
        o[0] = static_cast<unsigned char>(v >> 16);
        o[1] = static_cast<unsigned char>(v >> 8);
        o[2] = static_cast<unsigned char>(v);
        o += 3;
    }
    if (bad & BAD)
        return false;
    const qsizetype rest = n - i;
    const char *tail = text.data();
    if (rest == 2) {
        const int a = value(tail[i]), b = value(tail[i + 1]);
        if ((a | b) < 0 || (b & 0x0F) != 0)
            return false;
        *o++ = static_cast<unsigned char>((a << 2) | (b >> 4));
    } else if (rest == 3) {
        const int a = value(tail[i]), b = value(tail[i + 1]), c = value(tail[i + 2]);
        if ((a | b | c) < 0 || (c & 0x03) != 0)
            return false;
        const unsigned v = (unsigned(a) << 12) | (unsigned(b) << 6) | unsigned(c);
        *o++ = static_cast<unsigned char>(v >> 10);
        *o++ = static_cast<unsigned char>(v >> 2);
    }
    return true;
}

Result<QByteArray> decode(QByteArrayView text)
{
    QByteArray out;
    if (decodeInto(text, out))
        return out;
    if (text.size() % 4 == 1)
        return Error(CryptoError::InvalidEncoding,
                     QStringLiteral("base64url text of %1 characters cannot be valid (a length of the form 4n+1)")
                         .arg(text.size()));
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (value(text[i]) < 0) {
            const char c = text[i];
            const QString shown = c == '=' ? QStringLiteral("padding '='")
                : (c > 0x20 && c < 0x7F)
                ? QStringLiteral("'%1'").arg(QLatin1Char(c))
                : QStringLiteral("byte 0x%1").arg(static_cast<unsigned char>(c), 2, 16, QLatin1Char('0'));
            return Error(CryptoError::InvalidEncoding,
                         QStringLiteral("%1 at position %2 is not allowed in base64url (only A-Z a-z 0-9 - _, "
                                        "no padding)")
                             .arg(shown)
                             .arg(i));
        }
    }
    return Error(CryptoError::InvalidEncoding,
                 QStringLiteral("the last base64url character is not canonical (its unused bits are not zero)"));
}

} // namespace portcullis::crypto::base64url
