#pragma once

// Internal to the JSON classes of core/jose (JsonDocument, JsonValue): the layout of a parsed document.
// Not part of the API; include it only from their .cpp files.

#include <atomic>

#include <QtGlobal>

namespace portcullis::jose::detail {

// JsonNode::flags
inline constexpr quint16 NODE_HAS_ESCAPES = 0x01; // a string with at least one backslash escape
inline constexpr quint16 NODE_HAS_FRACTION = 0x02; // a number with a '.'
inline constexpr quint16 NODE_HAS_EXPONENT = 0x04; // a number with an 'e' or 'E'
inline constexpr quint16 NODE_NEGATIVE = 0x08; // a number with a leading '-'
inline constexpr quint16 NODE_MEMBER_NAME = 0x10; // a string that names an object member

// One value, or one member name, in document order. Each starts at its own byte, so a document never has more
// nodes than bytes. An object's member value is always the node right after its name's node, so the child table
// lists names only.
struct JsonNode
{
    quint32 offset; // first byte of the value's text in the source
    quint32 length; // bytes of the value's text (a string's include its quotes)
    quint32 first; // containers: index of the first entry in the child table; strings: unescaped length in bytes
    quint32 count; // containers: number of elements, or of members
    quint16 type; // JsonValue::Type (16 bits rather than 8: byte stores would alias everything in the parser)
    quint16 flags; // NODE_…
};

// A parsed document in one heap block: this header, the nodes (the root is node 0), the child table (for each
// container, its elements' or member names' node indices, contiguous) and a copy of the source bytes.
// Immutable once built; shared by reference count between copies of a JsonDocument.
struct JsonData
{
    std::atomic<int> refs;
    quint32 nodeCount;
    quint32 childCount;
    quint32 sourceSize;

    static constexpr qsizetype headerSize() { return sizeof(JsonData); }
    static constexpr qsizetype blockSize(qsizetype nodes, qsizetype children, qsizetype sourceBytes)
    {
        return headerSize() + nodes * qsizetype(sizeof(JsonNode)) + children * qsizetype(sizeof(quint32)) + sourceBytes;
    }

    const JsonNode *nodes() const
    {
        return reinterpret_cast<const JsonNode *>(reinterpret_cast<const char *>(this) + headerSize());
    }
    const quint32 *children() const { return reinterpret_cast<const quint32 *>(nodes() + nodeCount); }
    const char *source() const { return reinterpret_cast<const char *>(children() + childCount); }
};

static_assert(sizeof(JsonData) % alignof(JsonNode) == 0);
static_assert(sizeof(JsonNode) % alignof(quint32) == 0);

} // namespace portcullis::jose::detail
