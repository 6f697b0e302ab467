#include "jose/JsonDocument.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <QHashFunctions>
#include <QtEndian>

#include "jose/JsonData.h"
#include "jose/JsonError.h"
#include "jose/JsonText.h"

namespace portcullis::jose {

using detail::JsonData;
using detail::JsonNode;

namespace {

// Objects up to this many members look for a duplicate name among the earlier names; larger ones switch to a
// hash set so that a 50,000-member object is not quadratic.
constexpr quint32 SMALL_OBJECT_MEMBERS = 16;
// Node offsets and lengths are 32-bit.
constexpr qsizetype MAX_SUPPORTED_BYTES = 0x7FFF0000;
// Scratch buffers grown past this many entries by a large document are released after it.
constexpr size_t KEEP_SCRATCH_ENTRIES = 16384;
// Scratch room that is always kept: entries (and bytes of text) for documents up to this size.
constexpr size_t MIN_SCRATCH_ENTRIES = 1024;
constexpr int MAX_ECHOED_BYTES = 20;
// The parsers read a copy of the input followed by this many NUL bytes. A NUL stops every scan (it is not white
// space, not a digit, not a token byte, and a control character inside a string), so the scans need no bounds
// checks and may read 16 bytes at a time anywhere up to the end; the NUL at the end is told apart from one in
// the input by its position, on the failure paths only.
constexpr size_t PADDING = 32;

// Numbers for messages, passed to the one-pass QString::arg(QString, QString, …): chaining .arg() after an
// argument that holds echoed input would let a "%1" in that input be substituted.
QString number(qint64 n)
{
    return QString::number(n);
}

constexpr quint16 typeCode(JsonValue::Type type)
{
    return quint16(type);
}

// Byte classes, one table lookup each.
constexpr uchar CLASS_WHITESPACE = 0x01; // the four RFC 8259 white space bytes
constexpr uchar CLASS_DIGIT = 0x02;
constexpr uchar CLASS_TOKEN = 0x04; // may not directly follow a number or a literal: see continuesToken()
constexpr uchar CLASS_NUMBER = 0x08; // starts a number: '-' or a digit

constexpr std::array<uchar, 256> makeClasses()
{
    std::array<uchar, 256> classes {};
    for (int c = 0; c < 256; ++c) {
        uchar bits = 0;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            bits |= CLASS_WHITESPACE;
        if (c >= '0' && c <= '9')
            bits |= CLASS_DIGIT | CLASS_TOKEN | CLASS_NUMBER;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' || c == '-' || c == '_')
            bits |= CLASS_TOKEN;
        if (c == '-')
            bits |= CLASS_NUMBER;
        classes[size_t(c)] = bits;
    }
    return classes;
}

constexpr std::array<uchar, 256> CLASSES = makeClasses();

Q_ALWAYS_INLINE bool hasClass(char c, uchar bits)
{
    return CLASSES[uchar(c)] & bits;
}

Q_ALWAYS_INLINE bool isDigit(char c)
{
    return hasClass(c, CLASS_DIGIT);
}

// Characters that may not directly follow a number or a literal ("1x", "truex", "0x1", "1.5.3").
Q_ALWAYS_INLINE bool continuesToken(char c)
{
    return hasClass(c, CLASS_TOKEN);
}

Q_ALWAYS_INLINE const char *skipWhitespace(const char *p)
{
    while (hasClass(*p, CLASS_WHITESPACE))
        ++p;
    return p;
}

// Skips the bytes of a string that need no attention, returning the first '"', '\\', control (< 0x20, the
// padding included) or non-ASCII byte.
Q_ALWAYS_INLINE const char *skipPlain(const char *p)
{
#if defined(__SSE2__)
    for (;;) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        // A signed compare: below 0x20 are the controls and, as negative numbers, every byte >= 0x80.
        const __m128i stop = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')), _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'))),
            _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20)));
        if (const auto mask = unsigned(_mm_movemask_epi8(stop)))
            return p + std::countr_zero(mask);
        p += 16;
    }
#else
    if constexpr (std::endian::native == std::endian::little) {
        // Eight bytes at a time; the lowest flagged byte is always a true hit (borrows only propagate upwards).
        constexpr quint64 ONES = 0x0101010101010101ULL;
        constexpr quint64 HIGH = 0x8080808080808080ULL;
        for (;;) {
            quint64 w;
            std::memcpy(&w, p, 8);
            const quint64 q = w ^ (ONES * '"');
            const quint64 b = w ^ (ONES * '\\');
            const quint64 stop = (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b) | w) & HIGH;
            if (stop)
                return p + std::countr_zero(stop) / 8;
            p += 8;
        }
    }
    for (;;) {
        const auto c = uchar(*p);
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            return p;
        ++p;
    }
#endif
}

// The first byte at or after p that is not an ASCII digit.
Q_ALWAYS_INLINE const char *skipDigits(const char *p)
{
#if defined(__SSE2__)
    for (;;) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        // Digits become 0..9, and only they equal their unsigned minimum with 9.
        const __m128i shifted = _mm_sub_epi8(bytes, _mm_set1_epi8('0'));
        const __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(shifted, _mm_set1_epi8(9)), shifted);
        if (const unsigned mask = unsigned(_mm_movemask_epi8(digit)) ^ 0xFFFFu)
            return p + std::countr_zero(mask);
        p += 16;
    }
#else
    while (isDigit(*p))
        ++p;
    return p;
#endif
}

// A summary of an unescaped member name: its length and its first eight bytes. Equal names have equal
// signatures; the duplicate scan compares two names only when their signatures are equal.
Q_ALWAYS_INLINE quint64 signatureOf(quint64 firstBytes, quint32 length)
{
    return firstBytes ^ quint64(length) << 56;
}

// The signature of a name without escapes at `text`, which the padding makes safe to read eight bytes from.
Q_ALWAYS_INLINE quint64 plainSignature(const char *text, quint32 length)
{
    quint64 firstBytes = qFromLittleEndian<quint64>(text);
    if (length < 8)
        firstBytes &= (quint64(1) << (8 * length)) - 1;
    return signatureOf(firstBytes, length);
}

// One bit of 64 for a signature: an object's filter of the names it has so far.
Q_ALWAYS_INLINE quint64 filterBit(quint64 signature)
{
    return quint64(1) << ((signature * 0x9E3779B97F4A7C15ULL) >> 58);
}

static_assert(offsetof(JsonNode, length) == 4 && offsetof(JsonNode, first) == 8 && offsetof(JsonNode, count) == 12
              && offsetof(JsonNode, type) == 16 && offsetof(JsonNode, flags) == 18 && sizeof(JsonNode) == 20);

// A new node (count 0), written with three stores rather than six.
Q_ALWAYS_INLINE void setNode(JsonNode &node, quint32 offset, quint32 length, quint32 first, JsonValue::Type type,
                             quint16 flags)
{
    if constexpr (std::endian::native == std::endian::little) {
        const quint64 position = quint64(offset) | quint64(length) << 32;
        const quint64 content = first;
        const quint32 kind = quint32(typeCode(type)) | quint32(flags) << 16;
        auto *at = reinterpret_cast<char *>(&node);
        std::memcpy(at, &position, 8);
        std::memcpy(at + 8, &content, 8);
        std::memcpy(at + 16, &kind, 4);
    } else {
        node = JsonNode {offset, length, first, 0, typeCode(type), flags};
    }
}

// Copies `bytes` (a multiple of 4) four at a time. The scratch entries were written a moment ago, four bytes at a
// time: a wider load would span several stores still on their way to the cache, and wait for them all.
Q_ALWAYS_INLINE void copyWords(void *to, const void *from, size_t bytes)
{
    auto *out = static_cast<char *>(to);
    const auto *in = static_cast<const char *>(from);
    for (size_t i = 0; i < bytes; i += 4) {
        quint32 word;
        std::memcpy(&word, in + i, 4);
        std::memcpy(out + i, &word, 4);
    }
}

#if defined(__SSE2__)
// The pass before the fast parse, over the input `source` (at least 16 bytes). Copies it to `text`, followed by
// PADDING NUL bytes, and marks its quotes in `quoteWords`: bit i of word w for byte 64 w + i, a word of zeros
// after the last. Returns -1 unless every byte is printable ASCII other than '\\' (a space is allowed), which the
// fast parse needs: its strings then have no escapes, no control characters and no multi-byte characters, and
// each string's closing quote is simply the next quote. Otherwise returns at least the number of '[', '{', ','
// and ':' bytes: every node but the first follows one of these, so this bounds the node count.
qsizetype prepareFast(const char *source, qsizetype size, char *text, quint64 *quoteWords)
{
    __m128i refused = _mm_setzero_si128();
    __m128i separators = _mm_setzero_si128(); // per byte lane, minus the count
    qsizetype separatorCount = 0;
    const auto scan = [&](qsizetype at) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(source + at));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(text + at), bytes);
        refused = _mm_or_si128(
            refused,
            _mm_or_si128(_mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'))));
        // With the 0x20 bit set, '[' is '{'; no printable byte becomes ':' or ','.
        const __m128i folded = _mm_or_si128(bytes, _mm_set1_epi8(0x20));
        const __m128i separator = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(folded, _mm_set1_epi8(',')), _mm_cmpeq_epi8(folded, _mm_set1_epi8(':'))),
            _mm_cmpeq_epi8(folded, _mm_set1_epi8('{')));
        separators = _mm_sub_epi8(separators, separator);
        return quint64(unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')))));
    };
    // Adds up the byte lanes before any can pass 255.
    const auto countSeparators = [&]() {
        const __m128i sums = _mm_sad_epu8(separators, _mm_setzero_si128());
        separatorCount += _mm_cvtsi128_si32(sums) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums));
        separators = _mm_setzero_si128();
    };
    qsizetype offset = 0;
    int blocks = 0;
    for (; size - offset >= 64; offset += 64) {
        const quint64 low = scan(offset) | scan(offset + 16) << 16;
        const quint64 high = scan(offset + 32) | scan(offset + 48) << 16;
        *quoteWords++ = low | high << 32;
        if (++blocks == 15) {
            countSeparators();
            blocks = 0;
        }
    }
    quint64 last = 0;
    int shift = 0;
    for (; size - offset >= 16; offset += 16, shift += 16)
        last |= scan(offset) << shift;
    // The 16 bytes that end the input, of which the first were seen already (their separators count twice).
    if (offset < size)
        last |= scan(size - 16) >> (16 - (size - offset)) << shift;
    quoteWords[0] = last; // all zeros when the input is a multiple of 64 bytes long
    quoteWords[1] = 0;
    _mm_storeu_si128(reinterpret_cast<__m128i *>(text + size), _mm_setzero_si128());
    _mm_storeu_si128(reinterpret_cast<__m128i *>(text + size + 16), _mm_setzero_si128());
    static_assert(PADDING == 32);
    if (_mm_movemask_epi8(refused) != 0)
        return -1;
    countSeparators();
    return separatorCount;
}
#endif

struct HashSlot
{
    quint32 hash = 0;
    quint32 node = 0; // node index + 1; 0 is an empty slot
};

// An open container, with what the parser restores of the container around it when it closes.
struct Frame
{
    quint32 node; // the container's node
    quint32 pendingStart; // its entries start here in Scratch::pending
    quint32 signatureStart; // an object's name signatures start here in Scratch::signatures
    quint32 isObject;
    quint64 outerFilter; // the filter of the object around it, if any
};

// Buffers reused from one parse to the next on the same thread, so that parsing allocates only the document.
// Each array has room for as many entries as the document can have nodes, `frames` for as many containers as
// can be open at once, `text` for the input and its padding (see JsonDocument::parse()), so the parser never
// checks or grows them while it runs.
struct Scratch
{
    size_t capacity = 0; // entries in each of nodes, pending, signatures, children and frames
    size_t textCapacity = 0; // bytes in text; quoteWords has one word for each 8
    std::unique_ptr<JsonNode[]> nodes;
    std::unique_ptr<quint32[]> pending; // entries of the containers still open, innermost last
    std::unique_ptr<quint64[]> signatures; // of the member names of the open objects: see signatureOf()
    std::unique_ptr<quint32[]> children; // entries of the closed containers: the child table
    std::unique_ptr<Frame[]> frames; // the open containers, innermost last
    std::unique_ptr<char[]> text; // the input, followed by PADDING NUL bytes
    std::unique_ptr<quint64[]> quoteWords; // see prepareFast()
    std::vector<std::vector<HashSlot>> nameSets; // by depth: the names of an open object past SMALL_OBJECT_MEMBERS
    QByteArray name; // an unescaped member name
    bool bloated = false; // something grew past what is kept between parses: see trim()

    // Room for `entries` entries (and open containers) and a text of `bytes` bytes.
    Q_NEVER_INLINE void grow(size_t entries, size_t bytes)
    {
        if (entries > capacity) {
            entries = std::max(entries, MIN_SCRATCH_ENTRIES);
            nodes = std::make_unique_for_overwrite<JsonNode[]>(entries);
            pending = std::make_unique_for_overwrite<quint32[]>(entries);
            signatures = std::make_unique_for_overwrite<quint64[]>(entries);
            children = std::make_unique_for_overwrite<quint32[]>(entries);
            frames = std::make_unique_for_overwrite<Frame[]>(entries);
            capacity = entries;
        }
        if (bytes + PADDING > textCapacity) {
            const size_t textBytes = std::max(bytes, MIN_SCRATCH_ENTRIES) + PADDING;
            text = std::make_unique_for_overwrite<char[]>(textBytes);
            quoteWords = std::make_unique_for_overwrite<quint64[]>(textBytes / 8);
            textCapacity = textBytes;
        }
        bloated = bloated || capacity > KEEP_SCRATCH_ENTRIES || textCapacity > KEEP_SCRATCH_ENTRIES + PADDING;
    }

    // Gives back what a large document made grow.
    Q_ALWAYS_INLINE void trimIfBloated()
    {
        if (Q_UNLIKELY(bloated))
            trim();
    }

    Q_NEVER_INLINE void trim()
    {
        if (capacity > KEEP_SCRATCH_ENTRIES) {
            nodes.reset();
            pending.reset();
            signatures.reset();
            children.reset();
            frames.reset();
            capacity = 0;
        }
        if (textCapacity > KEEP_SCRATCH_ENTRIES + PADDING) {
            text.reset();
            quoteWords.reset();
            textCapacity = 0;
        }
        if (nameSets.size() > 64)
            nameSets.resize(64);
        for (std::vector<HashSlot> &names : nameSets) {
            if (names.capacity() > KEEP_SCRATCH_ENTRIES)
                std::vector<HashSlot>().swap(names);
        }
        if (name.capacity() > qsizetype(KEEP_SCRATCH_ENTRIES))
            name = QByteArray();
        bloated = false;
    }
};

thread_local Scratch s_scratch;

// The parser keeps its position, counters and the scratch arrays in locals of walk(), which the compiler holds
// in registers; everything rare (escapes, non-ASCII text, fractions, exponents, white space, large objects,
// duplicate candidates, failures) is out of the straight path.
class Parser
{
public:
    // `text` is followed by PADDING NUL bytes; the nodes go to `nodes`, which has room for as many as the
    // document can have.
    Parser(const char *text, qsizetype size, const JsonLimits &limits, Scratch &scratch, JsonNode *nodes)
        : m_begin(text)
        , m_end(text + size)
        , m_limits(limits)
        , m_scratch(scratch)
        , m_nodes(nodes)
    { }

    // On failure, error() says why.
    bool run() { return walk<false>(); }
    // For a text in which every byte is printable ASCII other than '\\', with its quotes marked in `quoteWords`
    // (see prepareFast()). Returns false, without an error, for anything invalid or beyond a limit: run() then
    // finds the exact error.
    bool runFast(const quint64 *quoteWords)
    {
        m_quoteWords = quoteWords;
        return walk<true>();
    }
    Error error() const { return *m_error; }
    quint32 nodeCount() const { return m_nodeCount; }
    quint32 childCount() const { return m_childCount; }

private:
    enum class EscapeProblem
    {
        Unknown,
        NotHex,
        LoneLow,
        LoneHigh,
    };

    qsizetype position(const char *p) const { return p - m_begin; }

    template<bool Fast>
    bool walk();
    Q_NEVER_INLINE const char *scanStringSlow(const char *open, const char *p, quint32 &unescapedLength, bool &escaped);
    bool scanEscape(const char *open, const char *&p, quint32 &saved);
    template<bool Fast>
    Q_ALWAYS_INLINE const char *scanNumber(const char *start, quint16 &flags);
    template<bool Fast>
    Q_NEVER_INLINE const char *scanNumberTail(const char *p, quint16 &flags);

    Q_NEVER_INLINE quint64 escapedSignature(quint32 name);
    Q_NEVER_INLINE bool isDuplicate(const quint32 *earlier, const quint64 *earlierSignatures, quint32 members,
                                    quint64 signature, quint32 name) const;
    bool sameName(quint32 a, quint32 b) const;
    quint32 nameHash(quint32 name);
    Q_NEVER_INLINE bool insertLargeObjectName(qsizetype level, const quint32 *earlier, quint32 members, quint32 name);
    bool insertName(std::vector<HashSlot> &names, quint32 name, quint32 members);

    // Failures build their message out of line, keeping the scanning code small.
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool fail(JsonError code, const QString &detail);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failEmpty();
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failTrailingData(const char *p);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failUnexpected(const char *p, const char *expected);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failInvalidUtf8(const char *p);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failUnterminated(const char *open);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failControl(const char *p);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failEscape(const char *p, EscapeProblem problem);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failLeadingZero(const char *p);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failLiteral(const char *start, qsizetype length);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failDuplicate(quint32 name);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failTooDeep(const char *p);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failTooManyValues(const char *p);

    const char *const m_begin;
    const char *const m_end;
    const JsonLimits &m_limits;
    Scratch &m_scratch;
    JsonNode *const m_nodes;
    const quint64 *m_quoteWords = nullptr;
    quint32 m_nodeCount = 0;
    quint32 m_childCount = 0;
    std::optional<Error> m_error;
};

// In walk() and the functions it calls: a failure. The general parse says why; the fast one just gives up,
// leaving that to the general one.
#define JSON_REFUSE(failure)                                                                                           \
    do {                                                                                                               \
        if constexpr (!Fast)                                                                                           \
            failure;                                                                                                   \
        return {};                                                                                                     \
    } while (false)

template<bool Fast>
bool Parser::walk()
{
    const char *const begin = m_begin;
    JsonNode *const nodes = m_nodes;
    quint32 *const pending = m_scratch.pending.get();
    quint64 *const signatures = m_scratch.signatures.get();

    // Fast: the quotes not passed yet, 64 bytes at a time. Every quote before the current position was one of a
    // string's two, so the next one opens the string at hand and the one after closes it.
    const quint64 *quoteWord = m_quoteWords;
    quint64 quoteBits = 0;
    const char *quoteBase = begin;
    if constexpr (Fast)
        quoteBits = *quoteWord;
    [[maybe_unused]] const auto takeQuote = [&]() -> const char * {
        while (Q_UNLIKELY(quoteBits == 0)) {
            if (m_end - quoteBase <= 64)
                return nullptr;
            quoteBits = *++quoteWord;
            quoteBase += 64;
        }
        const char *at = quoteBase + std::countr_zero(quoteBits);
        quoteBits &= quoteBits - 1;
        return at;
    };

    const char *p = skipWhitespace(begin);
    if (p == m_end)
        JSON_REFUSE(failEmpty());

    quint32 nodeCount = 0;
    quint32 *pendingTop = pending; // the next free entry of `pending`
    quint64 *signatureTop = signatures; // the next free entry of `signatures`
    quint32 childCount = 0;
    // Values still allowed (member names do not count). The limit may be 0 or negative: then none is.
    qsizetype valuesLeft = qMax<qsizetype>(m_limits.maxValues, 0);
    qsizetype depth = 0; // open containers
    char closer = 0; // of the innermost open container: ']' for an array, '}' for an object
    quint32 *objectStart = pending; // the innermost open object's member names start here in `pending`
    quint64 filter = 0; // a bit for each name of the innermost open object: see filterBit()
    quint32 index = 0;
    const char *next = nullptr;

value:
    if (*p == '"') {
        if (Q_UNLIKELY(--valuesLeft < 0))
            JSON_REFUSE(failTooManyValues(p));
        index = nodeCount++;
        if constexpr (Fast) {
            takeQuote(); // p
            const char *close = takeQuote();
            if (Q_UNLIKELY(!close))
                return false;
            next = close + 1;
            setNode(nodes[index], quint32(p - begin), quint32(next - p), quint32(close - p - 1),
                    JsonValue::Type::String, 0);
        } else {
            const char *stop = skipPlain(p + 1);
            if (Q_LIKELY(*stop == '"')) {
                next = stop + 1;
                setNode(nodes[index], quint32(p - begin), quint32(next - p), quint32(stop - p - 1),
                        JsonValue::Type::String, 0);
            } else {
                quint32 unescapedLength = 0;
                bool escaped = false;
                next = scanStringSlow(p, stop, unescapedLength, escaped);
                if (!next)
                    return false;
                setNode(nodes[index], quint32(p - begin), quint32(next - p), unescapedLength, JsonValue::Type::String,
                        escaped ? detail::NODE_HAS_ESCAPES : quint16(0));
            }
        }
    } else if (hasClass(*p, CLASS_NUMBER)) {
        if (Q_UNLIKELY(--valuesLeft < 0))
            JSON_REFUSE(failTooManyValues(p));
        index = nodeCount++;
        quint16 flags = 0;
        next = scanNumber<Fast>(p, flags);
        if (Q_UNLIKELY(!next))
            return false;
        setNode(nodes[index], quint32(p - begin), quint32(next - p), 0, JsonValue::Type::Number, flags);
    } else {
        switch (*p) {
        case 't':
        case 'f':
        case 'n': {
            if (Q_UNLIKELY(--valuesLeft < 0))
                JSON_REFUSE(failTooManyValues(p));
            // The padding makes it safe to compare before knowing that there are enough bytes.
            const bool isFalse = *p == 'f';
            const char *word = isFalse ? "false" : *p == 't' ? "true" : "null";
            const qsizetype length = isFalse ? 5 : 4;
            if (Q_UNLIKELY(std::memcmp(p, word, size_t(length)) != 0 || continuesToken(p[length])))
                JSON_REFUSE(failLiteral(p, length));
            index = nodeCount++;
            setNode(nodes[index], quint32(p - begin), quint32(length), 0,
                    *p == 'n' ? JsonValue::Type::Null : JsonValue::Type::Bool, 0);
            next = p + length;
            break;
        }
        case '{':
        case '[': {
            const bool isObject = *p == '{';
            if (Q_UNLIKELY(depth >= m_limits.maxDepth))
                JSON_REFUSE(failTooDeep(p));
            if (Q_UNLIKELY(--valuesLeft < 0))
                JSON_REFUSE(failTooManyValues(p));
            index = nodeCount++;
            setNode(nodes[index], quint32(p - begin), 0, 0, isObject ? JsonValue::Type::Object : JsonValue::Type::Array,
                    0);
            if (closer == ']')
                *pendingTop++ = index;
            m_scratch.frames[size_t(depth++)]
                = Frame {index, quint32(pendingTop - pending), quint32(signatureTop - signatures), isObject, filter};
            closer = isObject ? '}' : ']';
            p = skipWhitespace(p + 1);
            if (*p == closer)
                goto close;
            if (!isObject)
                goto value;
            objectStart = pendingTop;
            filter = 0;
            goto memberName;
        }
        case ' ':
        case '\t':
        case '\n':
        case '\r':
            p = skipWhitespace(p);
            goto value;
        default:
            JSON_REFUSE(failUnexpected(p, "a value"));
        }
    }
    // A scalar: `index` is its node, `next` the byte after it.
    if (closer == ']')
        *pendingTop++ = index;
    p = next;

afterValue:
    if (Q_UNLIKELY(depth == 0)) {
        p = skipWhitespace(p);
        if (p != m_end)
            JSON_REFUSE(failTrailingData(p));
        m_nodeCount = nodeCount;
        m_childCount = childCount;
        return true;
    }
    if (*p == ',') {
        p = skipWhitespace(p + 1);
        if (closer == ']')
            goto value;
        goto memberName;
    }
    if (*p != closer) {
        if (hasClass(*p, CLASS_WHITESPACE)) {
            p = skipWhitespace(p);
            goto afterValue;
        }
        JSON_REFUSE(failUnexpected(p, closer == ']' ? "',' or ']'" : "',' or '}'"));
    }

close : { // p is on the closing bracket of the innermost container
    const Frame &frame = m_scratch.frames[size_t(--depth)];
    JsonNode &node = nodes[frame.node];
    quint32 *entries = pending + frame.pendingStart;
    const auto count = quint32(pendingTop - entries);
    node.first = childCount;
    node.count = count;
    copyWords(m_scratch.children.get() + childCount, entries, count * sizeof(quint32));
    childCount += count;
    pendingTop = entries;
    signatureTop = signatures + frame.signatureStart; // an array's is unchanged: every object inside it closed
    filter = frame.outerFilter;
    ++p;
    node.length = quint32(p - begin) - node.offset;
    if (depth > 0) {
        const Frame &outer = m_scratch.frames[size_t(depth - 1)];
        closer = outer.isObject ? '}' : ']';
        objectStart = pending + outer.pendingStart;
    }
    goto afterValue;
}

memberName: // white space already skipped
    if (Q_UNLIKELY(*p != '"'))
        JSON_REFUSE(failUnexpected(p, "a member name in double quotes"));
    index = nodeCount++;
    {
        quint64 signature = 0;
        if constexpr (Fast) {
            takeQuote(); // p
            const char *close = takeQuote();
            if (Q_UNLIKELY(!close))
                return false;
            const auto length = quint32(close - p - 1);
            next = close + 1;
            setNode(nodes[index], quint32(p - begin), length + 2, length, JsonValue::Type::String,
                    detail::NODE_MEMBER_NAME);
            signature = plainSignature(p + 1, length);
        } else {
            const char *stop = skipPlain(p + 1);
            if (Q_LIKELY(*stop == '"')) {
                const auto length = quint32(stop - p - 1);
                next = stop + 1;
                setNode(nodes[index], quint32(p - begin), length + 2, length, JsonValue::Type::String,
                        detail::NODE_MEMBER_NAME);
                signature = plainSignature(p + 1, length);
            } else {
                quint32 unescapedLength = 0;
                bool escaped = false;
                next = scanStringSlow(p, stop, unescapedLength, escaped);
                if (!next)
                    return false;
                setNode(nodes[index], quint32(p - begin), quint32(next - p), unescapedLength, JsonValue::Type::String,
                        quint16(detail::NODE_MEMBER_NAME | (escaped ? detail::NODE_HAS_ESCAPES : 0)));
                signature = escaped ? escapedSignature(index) : plainSignature(p + 1, unescapedLength);
            }
        }
        const auto members = quint32(pendingTop - objectStart); // earlier names in this object
        if (Q_LIKELY(members < SMALL_OBJECT_MEMBERS)) {
            const quint64 bit = filterBit(signature);
            if (Q_UNLIKELY(filter & bit) && isDuplicate(objectStart, signatureTop - members, members, signature, index))
                JSON_REFUSE(failDuplicate(index));
            filter |= bit;
            *signatureTop++ = signature;
        } else if (!insertLargeObjectName(depth - 1, objectStart, members, index)) {
            JSON_REFUSE(failDuplicate(index));
        }
    }
    *pendingTop++ = index;
    p = next;
    if (Q_UNLIKELY(*p != ':')) {
        p = skipWhitespace(p);
        if (*p != ':')
            JSON_REFUSE(failUnexpected(p, "':' after the member name"));
    }
    p = skipWhitespace(p + 1);
    goto value;
}

// p is on the byte after `open` (the opening quote) that skipPlain() stopped at, not a closing quote; returns
// the byte after the closing quote, or null after a failure.
const char *Parser::scanStringSlow(const char *open, const char *p, quint32 &unescapedLength, bool &escaped)
{
    quint32 saved = 0; // bytes that escapes save when unescaped
    escaped = false;
    for (;;) {
        const auto c = uchar(*p);
        if (c == '"')
            break;
        if (c == '\\') {
            escaped = true;
            if (!scanEscape(open, p, saved))
                return nullptr;
        } else if (c < 0x20) {
            if (p == m_end)
                return failUnterminated(open), nullptr;
            return failControl(p), nullptr;
        } else {
            const int length = detail::utf8SequenceLength(reinterpret_cast<const uchar *>(p),
                                                          reinterpret_cast<const uchar *>(m_end));
            if (length == 0)
                return failInvalidUtf8(p), nullptr;
            p += length;
        }
        p = skipPlain(p);
    }
    ++p; // the closing quote
    unescapedLength = quint32(p - open) - 2 - saved;
    return p;
}

// Four hex digits at p, or -1.
int hex4(const char *p)
{
    int value = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = p[i];
        int digit = 0;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return -1;
        value = value << 4 | digit;
    }
    return value;
}

// p is on a backslash inside the string that starts at `open`; moves it past the escape.
bool Parser::scanEscape(const char *open, const char *&p, quint32 &saved)
{
    if (m_end - p < 2)
        return failUnterminated(open);
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
        p += 2;
        saved += 1;
        return true;
    case 'u':
        break;
    default:
        return failEscape(p, EscapeProblem::Unknown);
    }
    const int unit = m_end - p >= 6 ? hex4(p + 2) : -1;
    if (unit < 0)
        return failEscape(p, EscapeProblem::NotHex);
    if (unit >= 0xDC00 && unit <= 0xDFFF)
        return failEscape(p, EscapeProblem::LoneLow);
    if (unit >= 0xD800 && unit <= 0xDBFF) {
        const int low = m_end - p >= 12 && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8) : -1;
        if (low < 0xDC00 || low > 0xDFFF)
            return failEscape(p, EscapeProblem::LoneHigh);
        p += 12;
        saved += 12 - 4;
        return true;
    }
    p += 6;
    saved += 6 - (unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3);
    return true;
}

// `start` is on '-' or a digit; returns the byte after the number, or null after a failure.
template<bool Fast>
const char *Parser::scanNumber(const char *start, quint16 &flags)
{
    const char *p = start;
    if (*p == '-') {
        flags = detail::NODE_NEGATIVE;
        ++p;
        if (Q_UNLIKELY(!isDigit(*p)))
            JSON_REFUSE(failUnexpected(p, "a digit after '-'"));
    }
    if (*p == '0') {
        ++p;
        if (Q_UNLIKELY(isDigit(*p)))
            JSON_REFUSE(failLeadingZero(p - 1));
    } else {
        p = skipDigits(p + 1);
    }
    // Usually a ',', '}' or ']' follows: a fraction, an exponent or an error all start with a token byte.
    if (Q_UNLIKELY(continuesToken(*p)))
        return scanNumberTail<Fast>(p, flags);
    return p;
}

// p is on the token byte after a number's integer part.
template<bool Fast>
const char *Parser::scanNumberTail(const char *p, quint16 &flags)
{
    if (*p == '.') {
        flags |= detail::NODE_HAS_FRACTION;
        ++p;
        if (!isDigit(*p))
            JSON_REFUSE(failUnexpected(p, "a digit after '.'"));
        p = skipDigits(p + 1);
    }
    if (*p == 'e' || *p == 'E') {
        flags |= detail::NODE_HAS_EXPONENT;
        ++p;
        if (*p == '+' || *p == '-')
            ++p;
        if (!isDigit(*p))
            JSON_REFUSE(failUnexpected(p, "a digit in the exponent"));
        p = skipDigits(p + 1);
    }
    if (continuesToken(*p))
        JSON_REFUSE(failUnexpected(p, "',', ']', '}' or white space after a number"));
    return p;
}

#undef JSON_REFUSE

// The signature of a member name with escapes, from its unescaped form.
quint64 Parser::escapedSignature(quint32 name)
{
    const JsonNode &node = m_nodes[name];
    QByteArray &buffer = m_scratch.name;
    buffer.clear();
    detail::appendUnescaped(buffer, QByteArrayView(m_begin + node.offset + 1, node.length - 2));
    m_scratch.bloated = m_scratch.bloated || buffer.capacity() > qsizetype(KEEP_SCRATCH_ENTRIES);
    quint64 firstBytes = 0;
    for (qsizetype i = 0; i < qMin<qsizetype>(buffer.size(), 8); ++i)
        firstBytes |= quint64(uchar(buffer[i])) << (8 * i);
    return signatureOf(firstBytes, node.first);
}

// Whether `name` repeats one of the `members` earlier names of its object, whose signatures are
// `earlierSignatures`.
bool Parser::isDuplicate(const quint32 *earlier, const quint64 *earlierSignatures, quint32 members, quint64 signature,
                         quint32 name) const
{
    for (quint32 i = 0; i < members; ++i) {
        if (earlierSignatures[i] == signature && sameName(earlier[i], name))
            return true;
    }
    return false;
}

bool Parser::sameName(quint32 a, quint32 b) const
{
    const JsonNode &x = m_nodes[a];
    const JsonNode &y = m_nodes[b];
    if (x.first != y.first)
        return false;
    const char *xText = m_begin + x.offset + 1;
    const char *yText = m_begin + y.offset + 1;
    const bool xEscaped = x.flags & detail::NODE_HAS_ESCAPES;
    const bool yEscaped = y.flags & detail::NODE_HAS_ESCAPES;
    if (!xEscaped && !yEscaped)
        return x.first == 0 || std::memcmp(xText, yText, x.first) == 0;
    return detail::unescapedEquals(QByteArrayView(xText, x.length - 2), xEscaped, QByteArrayView(yText, y.length - 2),
                                   yEscaped);
}

quint32 Parser::nameHash(quint32 name)
{
    const JsonNode &node = m_nodes[name];
    const QByteArrayView content(m_begin + node.offset + 1, node.length - 2);
    const size_t seed = QHashSeed::globalSeed(); // random per process: collisions cannot be planned
    if (!(node.flags & detail::NODE_HAS_ESCAPES))
        return quint32(qHashBits(content.data(), size_t(content.size()), seed));
    QByteArray &buffer = m_scratch.name;
    buffer.clear();
    detail::appendUnescaped(buffer, content);
    m_scratch.bloated = m_scratch.bloated || buffer.capacity() > qsizetype(KEEP_SCRATCH_ENTRIES);
    return quint32(qHashBits(buffer.constData(), size_t(buffer.size()), seed));
}

// Adds a name to the hash set of the object open at `level`, which has `members` earlier names (`earlier`);
// false if the name is already there. The set is built when the object reaches SMALL_OBJECT_MEMBERS.
bool Parser::insertLargeObjectName(qsizetype level, const quint32 *earlier, quint32 members, quint32 name)
{
    std::vector<std::vector<HashSlot>> &sets = m_scratch.nameSets;
    if (sets.size() <= size_t(level)) {
        sets.resize(size_t(level) + 1);
        m_scratch.bloated = m_scratch.bloated || sets.size() > 64;
    }
    std::vector<HashSlot> &names = sets[size_t(level)];
    if (members == SMALL_OBJECT_MEMBERS) { // the first name past the small-object scan: a new set
        names.assign(SMALL_OBJECT_MEMBERS * 4, HashSlot {});
        for (quint32 i = 0; i < members; ++i)
            insertName(names, earlier[i], i);
    }
    return insertName(names, name, members);
}

// Adds a name to a hash set that holds `members` names so far; false if it is already there.
bool Parser::insertName(std::vector<HashSlot> &names, quint32 name, quint32 members)
{
    if ((size_t(members) + 1) * 2 > names.size()) {
        std::vector<HashSlot> grown(names.size() * 2);
        const size_t mask = grown.size() - 1;
        for (const HashSlot &slot : names) {
            if (slot.node == 0)
                continue;
            size_t i = slot.hash & mask;
            while (grown[i].node != 0)
                i = (i + 1) & mask;
            grown[i] = slot;
        }
        names.swap(grown);
        m_scratch.bloated = m_scratch.bloated || names.size() > KEEP_SCRATCH_ENTRIES;
    }
    const quint32 hash = nameHash(name);
    const size_t mask = names.size() - 1;
    size_t i = hash & mask;
    while (names[i].node != 0) {
        if (names[i].hash == hash && sameName(names[i].node - 1, name))
            return false;
        i = (i + 1) & mask;
    }
    names[i] = HashSlot {hash, name + 1};
    return true;
}

bool Parser::fail(JsonError code, const QString &detail)
{
    m_error.emplace(code, detail);
    return false;
}

bool Parser::failEmpty()
{
    return fail(JsonError::Empty,
                m_begin == m_end ? QStringLiteral("the JSON text is empty")
                                 : QStringLiteral("the JSON text is only white space"));
}

bool Parser::failTrailingData(const char *p)
{
    return fail(JsonError::TrailingData,
                QStringLiteral("unexpected data after the JSON value at byte %1: %2")
                    .arg(number(position(p)), detail::describeBytes(QByteArrayView(p, m_end - p), MAX_ECHOED_BYTES)));
}

bool Parser::failUnexpected(const char *p, const char *expected)
{
    if (p == m_end)
        return fail(JsonError::Syntax,
                    QStringLiteral("unexpected end of input at byte %1 (expected %2)")
                        .arg(number(position(p)), QLatin1String(expected)));
    const auto c = uchar(*p);
    if (c >= 0x80
        && detail::utf8SequenceLength(reinterpret_cast<const uchar *>(p), reinterpret_cast<const uchar *>(m_end)) == 0)
        return failInvalidUtf8(p);
    return fail(JsonError::Syntax,
                QStringLiteral("unexpected character %1 at byte %2 (expected %3)")
                    .arg(detail::describeByte(c), number(position(p)), QLatin1String(expected)));
}

bool Parser::failInvalidUtf8(const char *p)
{
    // The lead byte and the continuation bytes that follow it, as many as the lead byte announces.
    const auto lead = uchar(*p);
    const qsizetype announced = lead >= 0xF8 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    qsizetype shown = 1;
    while (shown < announced && shown < m_end - p && (uchar(p[shown]) & 0xC0) == 0x80)
        ++shown;
    return fail(JsonError::InvalidUtf8,
                QStringLiteral("invalid UTF-8 %1 at byte %2")
                    .arg(detail::describeBytes(QByteArrayView(p, shown)), number(position(p))));
}

// `open` is the string's opening quote.
bool Parser::failUnterminated(const char *open)
{
    return fail(JsonError::Syntax, QStringLiteral("unterminated string starting at byte %1").arg(position(open)));
}

bool Parser::failControl(const char *p)
{
    return fail(JsonError::Syntax,
                QStringLiteral("unescaped control character %1 in a string at byte %2")
                    .arg(detail::describeByte(uchar(*p)), number(position(p))));
}

bool Parser::failEscape(const char *p, EscapeProblem problem)
{
    // The backslash is shown as is, what follows it escaped: \uD800, \x, \\xF0.
    const QString shown = u'\\'
        + detail::describeBytes(QByteArrayView(
            p + 1, qMin<qsizetype>(problem == EscapeProblem::Unknown ? 1 : 5, m_end - p - 1)));
    const QString at = number(position(p));
    switch (problem) {
    case EscapeProblem::Unknown:
        return fail(JsonError::InvalidEscape,
                    QStringLiteral("invalid escape %1 at byte %2 (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
                        .arg(shown, at));
    case EscapeProblem::NotHex:
        return fail(JsonError::InvalidEscape,
                    QStringLiteral("invalid escape %1 at byte %2 (\\u needs four hex digits)").arg(shown, at));
    case EscapeProblem::LoneLow:
        return fail(JsonError::InvalidEscape,
                    QStringLiteral("lone low surrogate %1 at byte %2 (it must follow a high surrogate \\uD800-\\uDBFF)")
                        .arg(shown, at));
    case EscapeProblem::LoneHigh:
        break;
    }
    return fail(
        JsonError::InvalidEscape,
        QStringLiteral("lone high surrogate %1 at byte %2 (it must be followed by a low surrogate \\uDC00-\\uDFFF)")
            .arg(shown, at));
}

bool Parser::failLeadingZero(const char *p)
{
    return fail(JsonError::Syntax, QStringLiteral("leading zero in a number at byte %1").arg(position(p)));
}

bool Parser::failLiteral(const char *start, qsizetype length)
{
    qsizetype shown = 0;
    while (shown < m_end - start && shown < length + 1 && continuesToken(start[shown]))
        ++shown;
    return fail(
        JsonError::Syntax,
        QStringLiteral("invalid literal '%1' at byte %2 (expected true, false or null)")
            .arg(detail::describeBytes(QByteArrayView(start, qMax<qsizetype>(shown, 1))), number(position(start))));
}

bool Parser::failDuplicate(quint32 name)
{
    const JsonNode &node = m_nodes[name];
    QByteArray unescaped;
    detail::appendUnescaped(unescaped, QByteArrayView(m_begin + node.offset + 1, node.length - 2));
    return fail(JsonError::DuplicateMember,
                QStringLiteral("duplicate member \"%1\" at byte %2")
                    .arg(detail::describeBytes(unescaped, MAX_ECHOED_BYTES), number(node.offset)));
}

bool Parser::failTooDeep(const char *p)
{
    return fail(JsonError::TooDeep,
                QStringLiteral("nesting deeper than %1 levels at byte %2").arg(m_limits.maxDepth).arg(position(p)));
}

bool Parser::failTooManyValues(const char *p)
{
    return fail(JsonError::TooManyValues,
                QStringLiteral("more than %1 values at byte %2").arg(m_limits.maxValues).arg(position(p)));
}

Q_DECL_COLD_FUNCTION Q_NEVER_INLINE Error tooLarge(qsizetype size, const JsonLimits &limits)
{
    return Error(JsonError::TooLarge,
                 QStringLiteral("the JSON text is %1 bytes, more than the limit of %2")
                     .arg(size)
                     .arg(qMin(limits.maxBytes, MAX_SUPPORTED_BYTES)));
}

Q_DECL_COLD_FUNCTION Q_NEVER_INLINE Error outOfMemory(qsizetype size)
{
    return Error(JsonError::TooLarge, QStringLiteral("out of memory for a JSON text of %1 bytes").arg(size));
}

// The block of a document of `nodes` nodes and `children` child entries, all but the header filled in, the
// source copied from `source`.
JsonData *finishBlock(void *block, quint32 nodes, quint32 children, const quint32 *childTable, const char *source,
                      qsizetype size)
{
    auto *data = new (block) JsonData {{1}, nodes, children, quint32(size)};
    char *at = static_cast<char *>(block) + JsonData::headerSize() + nodes * sizeof(JsonNode);
    copyWords(at, childTable, children * sizeof(quint32));
    at += children * sizeof(quint32);
    std::memcpy(at, source, size_t(size));
    at[size] = '\0'; // NUL-terminated, as a QByteArray's would be
    return data;
}

} // namespace

JsonDocument::JsonDocument(const JsonDocument &other)
    : m_data(other.m_data)
{
    if (m_data)
        m_data->refs.fetch_add(1, std::memory_order_relaxed);
}

JsonDocument::JsonDocument(JsonDocument &&other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
{ }

JsonDocument &JsonDocument::operator=(const JsonDocument &other)
{
    JsonData *data = other.m_data; // read before release(), which clears m_data when other is *this
    if (data)
        data->refs.fetch_add(1, std::memory_order_relaxed);
    release();
    m_data = data;
    return *this;
}

JsonDocument &JsonDocument::operator=(JsonDocument &&other) noexcept
{
    if (this != &other) {
        release();
        m_data = std::exchange(other.m_data, nullptr);
    }
    return *this;
}

JsonDocument::~JsonDocument()
{
    release();
}

void JsonDocument::release()
{
    // A count of 1 seen here means that this is the only reference, and nobody else can add one: the usual case of
    // a document parsed, read and dropped on one thread skips the atomic read-modify-write.
    if (m_data
        && (m_data->refs.load(std::memory_order_acquire) == 1
            || m_data->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)) {
        m_data->~JsonData();
        std::free(m_data);
    }
    m_data = nullptr;
}

Result<JsonDocument> JsonDocument::parse(QByteArrayView utf8, const JsonLimits &limits)
{
    const qsizetype size = utf8.size();
    if (Q_UNLIKELY(size > limits.maxBytes || size > MAX_SUPPORTED_BYTES))
        return tooLarge(size, limits);
    Scratch &scratch = s_scratch;
    if (Q_UNLIKELY(size_t(size) > scratch.capacity || size_t(size) + PADDING > scratch.textCapacity)) {
        // Every node starts at its own byte, and there is at most one member name per value (plus the one being
        // read); every open container has a node.
        const qint64 values = qBound<qint64>(0, limits.maxValues, size);
        scratch.grow(size_t(qMin<qint64>(size, 2 * values + 2)), size_t(size));
    }
    char *text = scratch.text.get();
#if defined(__SSE2__)
    // Most documents (JWT headers and claims) are printable ASCII without escapes: they take the fast parse, which
    // writes the nodes straight into the document's block, sized for as many nodes as the separators allow.
    // Anything else, including every invalid document, takes the general parse.
    if (size >= 16) {
        const qsizetype separators = prepareFast(utf8.data(), size, text, scratch.quoteWords.get());
        if (separators >= 0) {
            const qint64 values = qBound<qint64>(0, limits.maxValues, size);
            const auto maxNodes = quint32(qMin<qint64>(separators + 1, qMin<qint64>(size, 2 * values + 2)));
            void *block = std::malloc(size_t(JsonData::blockSize(maxNodes, maxNodes, size + 1)));
            if (Q_UNLIKELY(!block)) {
                scratch.trimIfBloated();
                return outOfMemory(size);
            }
            auto *nodes = reinterpret_cast<JsonNode *>(static_cast<char *>(block) + JsonData::headerSize());
            Parser parser(text, size, limits, scratch, nodes);
            if (Q_LIKELY(parser.runFast(scratch.quoteWords.get()))) {
                JsonData *data = finishBlock(block, parser.nodeCount(), parser.childCount(), scratch.children.get(),
                                             utf8.data(), size);
                scratch.trimIfBloated();
                return JsonDocument(data);
            }
            std::free(block);
        }
    } else
#endif
    {
        if (size > 0)
            std::memcpy(text, utf8.data(), size_t(size));
        std::memset(text + size, 0, PADDING);
    }
    Parser parser(text, size, limits, scratch, scratch.nodes.get());
    if (Q_UNLIKELY(!parser.run())) {
        scratch.trimIfBloated();
        return parser.error();
    }
    const quint32 nodes = parser.nodeCount();
    const quint32 children = parser.childCount();
    void *block = std::malloc(size_t(JsonData::blockSize(nodes, children, size + 1)));
    if (Q_UNLIKELY(!block)) {
        scratch.trimIfBloated();
        return outOfMemory(size);
    }
    std::memcpy(static_cast<char *>(block) + JsonData::headerSize(), scratch.nodes.get(), nodes * sizeof(JsonNode));
    JsonData *data = finishBlock(block, nodes, children, scratch.children.get(), utf8.data(), size);
    scratch.trimIfBloated();
    return JsonDocument(data);
}

JsonValue JsonDocument::root() const
{
    return m_data ? JsonValue(m_data, 0) : JsonValue();
}

QByteArrayView JsonDocument::source() const
{
    return m_data ? QByteArrayView(m_data->source(), m_data->sourceSize) : QByteArrayView();
}

} // namespace portcullis::jose
