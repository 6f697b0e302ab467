#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include <QByteArrayView>

namespace portcullis::crypto {

// Key material: bytes that are wiped (OPENSSL_cleanse) when freed or resized, never copied implicitly and
// never converted to QByteArray/QString by accident. Copy with clone(); look with view().
class SecretBytes
{
public:
    SecretBytes() = default;
    explicit SecretBytes(std::size_t size); // zero-filled
    explicit SecretBytes(QByteArrayView bytes);
    ~SecretBytes();

    SecretBytes(SecretBytes &&other) noexcept;
    SecretBytes &operator=(SecretBytes &&other) noexcept;
    SecretBytes(const SecretBytes &) = delete;
    SecretBytes &operator=(const SecretBytes &) = delete;

    [[nodiscard]] SecretBytes clone() const { return SecretBytes(view()); }
    [[nodiscard]] std::size_t size() const { return m_size; }
    [[nodiscard]] bool isEmpty() const { return m_size == 0; }
    [[nodiscard]] unsigned char *data() { return m_data.get(); }
    [[nodiscard]] const unsigned char *data() const { return m_data.get(); }
    [[nodiscard]] std::span<const unsigned char> bytes() const { return {m_data.get(), m_size}; }
    [[nodiscard]] QByteArrayView view() const { return {m_data.get(), static_cast<qsizetype>(m_size)}; }

    // Wipes the old content before it is freed.
    void resize(std::size_t size);
    void clear();

private:
    std::unique_ptr<unsigned char[]> m_data;
    std::size_t m_size = 0;
};

} // namespace portcullis::crypto
