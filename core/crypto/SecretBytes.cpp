#include "crypto/SecretBytes.h"

#include <algorithm>
#include <cstring>

#include <openssl/crypto.h>

namespace portcullis::crypto {

SecretBytes::SecretBytes(std::size_t size)
    : m_data(size ? std::make_unique<unsigned char[]>(size) : nullptr)
    , m_size(size)
{ }

SecretBytes::SecretBytes(QByteArrayView bytes)
    : SecretBytes(static_cast<std::size_t>(bytes.size()))
{
    if (m_size)
        std::memcpy(m_data.get(), bytes.data(), m_size);
}

SecretBytes::~SecretBytes()
{
    clear();
}

SecretBytes::SecretBytes(SecretBytes &&other) noexcept
    : m_data(std::move(other.m_data))
    , m_size(std::exchange(other.m_size, 0))
{ }

SecretBytes &SecretBytes::operator=(SecretBytes &&other) noexcept
{
    if (this != &other) {
        clear();
        m_data = std::move(other.m_data);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

void SecretBytes::resize(std::size_t size)
{
    SecretBytes resized(size);
    if (m_size && size)
        std::memcpy(resized.m_data.get(), m_data.get(), std::min(size, m_size));
    *this = std::move(resized);
}

void SecretBytes::clear()
{
    if (m_data)
        OPENSSL_cleanse(m_data.get(), m_size);
    m_data.reset();
    m_size = 0;
}

} // namespace portcullis::crypto
