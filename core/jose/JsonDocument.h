#pragma once

#include <QByteArrayView>

#include "common/Result.h"
#include "jose/JsonValue.h"

namespace portcullis::jose {

struct JsonLimits
{
    qsizetype maxBytes = 256 * 1024; // longer input fails with TooLarge before any parsing
    int maxDepth = 32; // nested arrays/objects; the root container is level 1
    qsizetype maxValues = 100000; // values of every type (member names are not counted)
};

// A strict RFC 8259 JSON text, parsed once into an immutable, order-preserving tree that shares one heap block
// between its copies. Built for attacker-controlled input (JWT headers and claims):
//  - exactly one value, surrounded by nothing but space, tab, CR and LF;
//  - no comments, trailing commas, single quotes, leading zeros, "+1", ".5", "1.", NaN or Infinity;
//  - strings: well-formed UTF-8 only, no raw control characters, only the RFC escapes, UTF-16 surrogates paired;
//  - duplicate member names are refused, also when they differ only by escaping ("alg" and "\u0061lg");
//  - numbers are kept as text, so any size is accepted and converted on request without overflow;
//  - size, depth and value count are limited, and nothing recurses.
// Parsing allocates one block per document (plus reused per-thread scratch space), never one per value.
class JsonDocument
{
public:
    // An empty document: root() is a null JsonValue, source() is empty.
    JsonDocument() = default;
    JsonDocument(const JsonDocument &other);
    JsonDocument(JsonDocument &&other) noexcept;
    JsonDocument &operator=(const JsonDocument &other);
    JsonDocument &operator=(JsonDocument &&other) noexcept;
    ~JsonDocument();

    // Fails with a JsonError; the detail says what was wrong and at which byte (counted from 0).
    [[nodiscard]] static Result<JsonDocument> parse(QByteArrayView utf8, const JsonLimits &limits = {});

    [[nodiscard]] JsonValue root() const;
    // The exact bytes parsed (a copy owned by the document).
    [[nodiscard]] QByteArrayView source() const;

private:
    explicit JsonDocument(detail::JsonData *data)
        : m_data(data)
    { }
    void release();

    detail::JsonData *m_data = nullptr;
};

} // namespace portcullis::jose
