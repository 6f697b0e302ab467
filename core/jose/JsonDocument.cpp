#include "jose/JsonDocument.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <QHashFunctions>

#include "jose/JsonData.h"
#include "jose/JsonError.h"
#include "jose/JsonText.h"

namespace portcullis::jose {

using detail::JsonData;
using detail::JsonNode;

namespace {

// Objects up to this many members look for a duplicate name by comparing with each earlier name; larger ones
// switch to a hash set so that a 50,000-member object is not quadratic.
constexpr quint32 SMALL_OBJECT_MEMBERS = 16;
// Node offsets and lengths are 32-bit.
constexpr qsizetype MAX_SUPPORTED_BYTES = 0x7FFF0000;
// Scratch buffers grown past this many entries by a large document are released after it.
constexpr size_t KEEP_SCRATCH_ENTRIES = 16384;
constexpr int MAX_ECHOED_BYTES = 20;

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

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// Characters that may not directly follow a number or a literal ("1x", "truex", "0x1", "1.5.3").
bool continuesToken(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+'
        || c == '-' || c == '_';
}

// Skips the bytes of a string that need no attention, returning the first '"', '\\', control (< 0x20) or
// non-ASCII byte, or `end`.
const char *skipPlain(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        // A signed compare: below 0x20 are the controls and, as negative numbers, every byte >= 0x80.
        const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
                                          _mm_cmplt_epi8(bytes, space));
        if (const int mask = _mm_movemask_epi8(stop))
            return p + std::countr_zero(unsigned(mask));
        p += 16;
    }
#endif
    if constexpr (std::endian::native == std::endian::little) {
        // Eight bytes at a time; the lowest flagged byte is always a true hit (borrows only propagate upwards).
        constexpr quint64 ONES = 0x0101010101010101ULL;
        constexpr quint64 HIGH = 0x8080808080808080ULL;
        while (end - p >= 8) {
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
    while (p < end) {
        const auto c = uchar(*p);
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            return p;
        ++p;
    }
    return p;
}

struct HashSlot
{
    quint32 hash = 0;
    quint32 node = 0; // node index + 1; 0 is an empty slot
};

struct Frame
{
    quint32 node = 0; // the container's node
    quint32 pendingStart = 0; // its entries start here in Scratch::pending
    quint32 signatureStart = 0; // an object's name signatures start here in Scratch::signatures
    bool isObject = false;
    std::vector<HashSlot> names; // hash set of member names, once the object is past SMALL_OBJECT_MEMBERS
};

// Buffers reused from one parse to the next on the same thread, so that parsing allocates only the document.
// Each array has room for as many entries as the document can have nodes (see parse()), so the parser never
// checks or grows them while it runs.
struct Scratch
{
    size_t capacity = 0;
    std::unique_ptr<JsonNode[]> nodes;
    std::unique_ptr<quint32[]> pending; // entries of the containers still open, innermost last
    std::unique_ptr<quint64[]> signatures; // of the member names of the open objects: see Parser::nameSignature()
    std::unique_ptr<quint32[]> children; // entries of the closed containers: the child table
    std::vector<Frame> frames; // the open containers; frames deeper than the current depth are kept for reuse
    QByteArray name; // an unescaped member name

    void reserve(size_t entries)
    {
        if (entries <= capacity)
            return;
        entries = std::max<size_t>(entries, 256);
        nodes = std::make_unique_for_overwrite<JsonNode[]>(entries);
        pending = std::make_unique_for_overwrite<quint32[]>(entries);
        signatures = std::make_unique_for_overwrite<quint64[]>(entries);
        children = std::make_unique_for_overwrite<quint32[]>(entries);
        capacity = entries;
    }

    // Gives back what a large document made grow.
    void trim()
    {
        if (capacity > KEEP_SCRATCH_ENTRIES) {
            nodes.reset();
            pending.reset();
            signatures.reset();
            children.reset();
            capacity = 0;
        }
        if (frames.size() > 64)
            frames.resize(64);
        for (Frame &frame : frames) {
            if (frame.names.capacity() > KEEP_SCRATCH_ENTRIES)
                std::vector<HashSlot>().swap(frame.names);
        }
        if (name.capacity() > qsizetype(KEEP_SCRATCH_ENTRIES))
            name = QByteArray();
    }
};

thread_local Scratch s_scratch;

class Parser
{
public:
    Parser(QByteArrayView input, const JsonLimits &limits, Scratch &scratch)
        : m_begin(input.data())
        , m_end(input.data() + input.size())
        , m_p(input.data())
        , m_limits(limits)
        , m_nodes(scratch.nodes.get())
        , m_pending(scratch.pending.get())
        , m_signatures(scratch.signatures.get())
        , m_children(scratch.children.get())
        , m_frames(scratch.frames)
        , m_name(scratch.name)
    { }

    bool run();
    Error error() const { return *m_error; }
    quint32 nodeCount() const { return m_nodeCount; }
    quint32 childCount() const { return m_childCount; }

private:
    enum class State
    {
        Value,
        MemberName,
        AfterValue,
    };
    enum class EscapeProblem
    {
        Unknown,
        NotHex,
        LoneLow,
        LoneHigh,
    };

    qsizetype position(const char *p) const { return p - m_begin; }
    Q_ALWAYS_INLINE void skipWhitespace()
    {
        // The first test settles the common case: every byte above ' ' ends the white space.
        while (m_p < m_end && uchar(*m_p) <= ' ' && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
    }

    bool parseValue(State &next);
    bool parseMemberName();
    bool parseSeparator(State &next);
    bool openContainer(bool isObject, State &next);
    void closeContainer();
    Q_ALWAYS_INLINE bool newValue(JsonValue::Type type, quint32 &index);
    bool scanString(quint32 index);
    bool scanEscape(const char *&p, quint32 &saved);
    bool scanNumber(quint32 index);
    bool scanLiteral(quint32 index, const char *word, qsizetype length);

    quint64 nameSignature(quint32 name);
    bool checkDuplicate(quint32 name);
    bool sameName(quint32 a, quint32 b) const;
    quint32 nameHash(quint32 name);
    bool insertName(Frame &frame, quint32 name, quint32 members);

    // Failures build their message out of line, keeping the scanning code small.
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool fail(JsonError code, const QString &detail);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failEmpty();
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failTrailingData();
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failUnexpected(const char *p, const char *expected);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failInvalidUtf8(const char *p);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failUnterminated();
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failControl(const char *p);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failEscape(const char *p, EscapeProblem problem);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failLeadingZero(const char *p);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failLiteral(qsizetype length);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failDuplicate(quint32 name);
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failTooDeep();
    Q_DECL_COLD_FUNCTION Q_NEVER_INLINE bool failTooManyValues();

    const char *m_begin;
    const char *m_end;
    const char *m_p;
    const JsonLimits &m_limits;
    JsonNode *m_nodes;
    quint32 *m_pending;
    quint64 *m_signatures;
    quint32 *m_children;
    std::vector<Frame> &m_frames;
    QByteArray &m_name;
    quint32 m_nodeCount = 0;
    quint32 m_pendingCount = 0;
    quint32 m_signatureCount = 0;
    quint32 m_childCount = 0;
    bool m_inArray = false; // the innermost open container is an array
    qsizetype m_depth = 0;
    qsizetype m_values = 0;
    std::optional<Error> m_error;
};

bool Parser::run()
{
    skipWhitespace();
    if (m_p == m_end)
        return failEmpty();
    State state = State::Value;
    for (;;) {
        switch (state) {
        case State::Value:
            if (!parseValue(state))
                return false;
            break;
        case State::MemberName:
            if (!parseMemberName())
                return false;
            state = State::Value;
            break;
        case State::AfterValue:
            if (m_depth == 0) {
                skipWhitespace();
                return m_p == m_end || failTrailingData();
            }
            if (!parseSeparator(state))
                return false;
            break;
        }
    }
}

bool Parser::parseValue(State &next)
{
    skipWhitespace();
    if (m_p == m_end)
        return failUnexpected(m_p, "a value");
    quint32 index = 0;
    switch (*m_p) {
    case '{':
        return openContainer(true, next);
    case '[':
        return openContainer(false, next);
    case '"':
        next = State::AfterValue;
        return newValue(JsonValue::Type::String, index) && scanString(index);
    case 't':
        next = State::AfterValue;
        return newValue(JsonValue::Type::Bool, index) && scanLiteral(index, "true", 4);
    case 'f':
        next = State::AfterValue;
        return newValue(JsonValue::Type::Bool, index) && scanLiteral(index, "false", 5);
    case 'n':
        next = State::AfterValue;
        return newValue(JsonValue::Type::Null, index) && scanLiteral(index, "null", 4);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        next = State::AfterValue;
        return newValue(JsonValue::Type::Number, index) && scanNumber(index);
    default:
        return failUnexpected(m_p, "a value");
    }
}

bool Parser::parseMemberName()
{
    skipWhitespace();
    if (m_p == m_end || *m_p != '"')
        return failUnexpected(m_p, "a member name in double quotes");
    const quint32 index = m_nodeCount++;
    m_nodes[index]
        = JsonNode {quint32(position(m_p)), 0, 0, 0, typeCode(JsonValue::Type::String), detail::NODE_MEMBER_NAME};
    if (!scanString(index) || !checkDuplicate(index))
        return false;
    m_pending[m_pendingCount++] = index;
    skipWhitespace();
    if (m_p == m_end || *m_p != ':')
        return failUnexpected(m_p, "':' after the member name");
    ++m_p;
    return true;
}

bool Parser::parseSeparator(State &next)
{
    skipWhitespace();
    if (m_p < m_end && *m_p == ',') {
        ++m_p;
        next = m_inArray ? State::Value : State::MemberName;
        return true;
    }
    if (m_p < m_end && *m_p == (m_inArray ? ']' : '}')) {
        closeContainer();
        next = State::AfterValue;
        return true;
    }
    return failUnexpected(m_p, m_inArray ? "',' or ']'" : "',' or '}'");
}

bool Parser::openContainer(bool isObject, State &next)
{
    if (m_depth >= m_limits.maxDepth)
        return failTooDeep();
    quint32 index = 0;
    if (!newValue(isObject ? JsonValue::Type::Object : JsonValue::Type::Array, index))
        return false;
    if (m_frames.size() == size_t(m_depth))
        m_frames.emplace_back();
    Frame &frame = m_frames[m_depth++];
    frame.node = index;
    frame.pendingStart = m_pendingCount;
    frame.signatureStart = m_signatureCount;
    frame.isObject = isObject;
    frame.names.clear();
    m_inArray = !isObject;
    ++m_p;
    skipWhitespace();
    if (m_p < m_end && *m_p == (isObject ? '}' : ']')) {
        closeContainer();
        next = State::AfterValue;
    } else {
        next = isObject ? State::MemberName : State::Value;
    }
    return true;
}

// Called with m_p on the closing bracket.
void Parser::closeContainer()
{
    const Frame &frame = m_frames[--m_depth];
    JsonNode &node = m_nodes[frame.node];
    const quint32 count = m_pendingCount - frame.pendingStart;
    node.first = m_childCount;
    node.count = count;
    if (count > 0)
        std::memcpy(m_children + m_childCount, m_pending + frame.pendingStart, count * sizeof(quint32));
    m_childCount += count;
    m_pendingCount = frame.pendingStart;
    if (frame.isObject)
        m_signatureCount = frame.signatureStart;
    m_inArray = m_depth > 0 && !m_frames[m_depth - 1].isObject;
    ++m_p;
    node.length = quint32(position(m_p)) - node.offset;
}

bool Parser::newValue(JsonValue::Type type, quint32 &index)
{
    if (++m_values > m_limits.maxValues)
        return failTooManyValues();
    index = m_nodeCount++;
    m_nodes[index] = JsonNode {quint32(position(m_p)), 0, 0, 0, typeCode(type), 0};
    if (m_inArray)
        m_pending[m_pendingCount++] = index;
    return true;
}

// m_p is on the opening quote.
bool Parser::scanString(quint32 index)
{
    const char *p = m_p + 1;
    quint32 saved = 0; // bytes that escapes save when unescaped
    bool escaped = false;
    for (;;) {
        p = skipPlain(p, m_end);
        if (p == m_end)
            return failUnterminated();
        const auto c = uchar(*p);
        if (c == '"')
            break;
        if (c == '\\') {
            escaped = true;
            if (!scanEscape(p, saved))
                return false;
        } else if (c < 0x20) {
            return failControl(p);
        } else {
            const int length = detail::utf8SequenceLength(reinterpret_cast<const uchar *>(p),
                                                          reinterpret_cast<const uchar *>(m_end));
            if (length == 0)
                return failInvalidUtf8(p);
            p += length;
        }
    }
    ++p; // the closing quote
    JsonNode &node = m_nodes[index];
    node.length = quint32(p - m_p);
    node.first = node.length - 2 - saved;
    if (escaped)
        node.flags |= detail::NODE_HAS_ESCAPES;
    m_p = p;
    return true;
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

// p is on a backslash inside a string; moves it past the escape.
bool Parser::scanEscape(const char *&p, quint32 &saved)
{
    if (m_end - p < 2)
        return failUnterminated();
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

// m_p is on '-' or a digit.
bool Parser::scanNumber(quint32 index)
{
    const char *p = m_p;
    quint16 flags = 0;
    if (*p == '-') {
        flags |= detail::NODE_NEGATIVE;
        ++p;
        if (p == m_end || !isDigit(*p))
            return failUnexpected(p, "a digit after '-'");
    }
    if (*p == '0') {
        ++p;
        if (p < m_end && isDigit(*p))
            return failLeadingZero(p - 1);
    } else {
        while (p < m_end && isDigit(*p))
            ++p;
    }
    if (p < m_end && *p == '.') {
        flags |= detail::NODE_HAS_FRACTION;
        ++p;
        if (p == m_end || !isDigit(*p))
            return failUnexpected(p, "a digit after '.'");
        while (p < m_end && isDigit(*p))
            ++p;
    }
    if (p < m_end && (*p == 'e' || *p == 'E')) {
        flags |= detail::NODE_HAS_EXPONENT;
        ++p;
        if (p < m_end && (*p == '+' || *p == '-'))
            ++p;
        if (p == m_end || !isDigit(*p))
            return failUnexpected(p, "a digit in the exponent");
        while (p < m_end && isDigit(*p))
            ++p;
    }
    if (p < m_end && continuesToken(*p))
        return failUnexpected(p, "',', ']', '}' or white space after a number");
    JsonNode &node = m_nodes[index];
    node.length = quint32(p - m_p);
    node.flags = flags;
    m_p = p;
    return true;
}

bool Parser::scanLiteral(quint32 index, const char *word, qsizetype length)
{
    if (m_end - m_p < length || std::memcmp(m_p, word, size_t(length)) != 0
        || (m_end - m_p > length && continuesToken(m_p[length])))
        return failLiteral(length);
    m_nodes[index].length = quint32(length);
    m_p += length;
    return true;
}

// A summary of a member name that differs whenever the unescaped names differ in length, in their first two
// bytes or in their last two: a cheap first test in the small-object duplicate scan.
quint64 Parser::nameSignature(quint32 name)
{
    const JsonNode &node = m_nodes[name];
    const char *text = m_begin + node.offset + 1;
    const quint32 n = node.first; // the unescaped length
    if (n == 0)
        return 0;
    if (node.flags & detail::NODE_HAS_ESCAPES) {
        m_name.clear();
        detail::appendUnescaped(m_name, QByteArrayView(text, node.length - 2));
        text = m_name.constData();
    }
    const auto byte = [text](quint32 i) { return quint64(uchar(text[i])); };
    const quint64 edges = byte(0) | byte(n > 1 ? 1 : 0) << 8 | byte(n - 1) << 16 | byte(n > 1 ? n - 2 : 0) << 24;
    return quint64(n) << 32 | edges;
}

bool Parser::checkDuplicate(quint32 name)
{
    Frame &frame = m_frames[m_depth - 1];
    const quint32 members = m_pendingCount - frame.pendingStart; // earlier names in this object
    bool duplicate = false;
    if (members < SMALL_OBJECT_MEMBERS) {
        const quint64 signature = nameSignature(name);
        const quint64 *signatures = m_signatures + frame.signatureStart;
        for (quint32 i = 0; i < members && !duplicate; ++i)
            duplicate = signatures[i] == signature && sameName(m_pending[frame.pendingStart + i], name);
        m_signatures[m_signatureCount++] = signature;
    } else {
        if (frame.names.empty()) {
            frame.names.resize(SMALL_OBJECT_MEMBERS * 4);
            for (quint32 i = 0; i < members; ++i)
                insertName(frame, m_pending[frame.pendingStart + i], i);
        }
        duplicate = !insertName(frame, name, members);
    }
    return !duplicate || failDuplicate(name);
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
    m_name.clear();
    detail::appendUnescaped(m_name, content);
    return quint32(qHashBits(m_name.constData(), size_t(m_name.size()), seed));
}

// Adds a name to the object's hash set, which holds `members` names so far; false if it is already there.
bool Parser::insertName(Frame &frame, quint32 name, quint32 members)
{
    if ((size_t(members) + 1) * 2 > frame.names.size()) {
        std::vector<HashSlot> grown(frame.names.size() * 2);
        const size_t mask = grown.size() - 1;
        for (const HashSlot &slot : frame.names) {
            if (slot.node == 0)
                continue;
            size_t i = slot.hash & mask;
            while (grown[i].node != 0)
                i = (i + 1) & mask;
            grown[i] = slot;
        }
        frame.names.swap(grown);
    }
    const quint32 hash = nameHash(name);
    const size_t mask = frame.names.size() - 1;
    size_t i = hash & mask;
    while (frame.names[i].node != 0) {
        if (frame.names[i].hash == hash && sameName(frame.names[i].node - 1, name))
            return false;
        i = (i + 1) & mask;
    }
    frame.names[i] = HashSlot {hash, name + 1};
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

bool Parser::failTrailingData()
{
    return fail(
        JsonError::TrailingData,
        QStringLiteral("unexpected data after the JSON value at byte %1: %2")
            .arg(number(position(m_p)), detail::describeBytes(QByteArrayView(m_p, m_end - m_p), MAX_ECHOED_BYTES)));
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

// m_p is still on the string's opening quote.
bool Parser::failUnterminated()
{
    return fail(JsonError::Syntax, QStringLiteral("unterminated string starting at byte %1").arg(position(m_p)));
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

bool Parser::failLiteral(qsizetype length)
{
    qsizetype shown = 0;
    while (shown < m_end - m_p && shown < length + 1 && continuesToken(m_p[shown]))
        ++shown;
    return fail(JsonError::Syntax,
                QStringLiteral("invalid literal '%1' at byte %2 (expected true, false or null)")
                    .arg(detail::describeBytes(QByteArrayView(m_p, qMax<qsizetype>(shown, 1))), number(position(m_p))));
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

bool Parser::failTooDeep()
{
    return fail(JsonError::TooDeep,
                QStringLiteral("nesting deeper than %1 levels at byte %2").arg(m_limits.maxDepth).arg(position(m_p)));
}

bool Parser::failTooManyValues()
{
    return fail(JsonError::TooManyValues,
                QStringLiteral("more than %1 values at byte %2").arg(m_limits.maxValues).arg(position(m_p)));
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
    if (m_data && m_data->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        m_data->~JsonData();
        std::free(m_data);
    }
    m_data = nullptr;
}

Result<JsonDocument> JsonDocument::parse(QByteArrayView utf8, const JsonLimits &limits)
{
    if (utf8.size() > limits.maxBytes || utf8.size() > MAX_SUPPORTED_BYTES)
        return Error(JsonError::TooLarge,
                     QStringLiteral("the JSON text is %1 bytes, more than the limit of %2")
                         .arg(utf8.size())
                         .arg(qMin(limits.maxBytes, MAX_SUPPORTED_BYTES)));
    Scratch &scratch = s_scratch;
    // Every node starts at its own byte, and there is at most one member name per value (plus the one being read).
    const qint64 values = qBound<qint64>(0, limits.maxValues, utf8.size());
    scratch.reserve(size_t(qMin<qint64>(utf8.size(), 2 * values + 2)));
    Parser parser(utf8, limits, scratch);
    const bool parsed = parser.run();
    JsonData *data = nullptr;
    if (parsed) {
        const quint32 nodes = parser.nodeCount();
        const quint32 children = parser.childCount();
        // One more byte: the copy of the source is NUL-terminated, as a QByteArray's would be.
        void *block = std::malloc(size_t(JsonData::blockSize(nodes, children, utf8.size() + 1)));
        if (block) {
            data = new (block) JsonData {{1}, nodes, children, quint32(utf8.size())};
            char *at = static_cast<char *>(block) + JsonData::headerSize();
            const size_t nodeBytes = nodes * sizeof(JsonNode);
            const size_t childBytes = children * sizeof(quint32);
            std::memcpy(at, scratch.nodes.get(), nodeBytes);
            if (childBytes > 0)
                std::memcpy(at + nodeBytes, scratch.children.get(), childBytes);
            std::memcpy(at + nodeBytes + childBytes, utf8.data(), size_t(utf8.size()));
            at[nodeBytes + childBytes + size_t(utf8.size())] = '\0';
        }
    }
    scratch.trim();
    if (!parsed)
        return parser.error();
    if (!data)
        return Error(JsonError::TooLarge, QStringLiteral("out of memory for a JSON text of %1 bytes").arg(utf8.size()));
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
