#pragma once

#include <memory>

#include <QString>

#include "common/Result.h"

namespace portcullis::store {

// A 64-bit counter in a small memory-mapped file, shared by every process that maps it. A writer bumps it
// after a change; readers compare it with the value they last saw, at the cost of one memory load, and
// reload only when it moved. This is how a key revoked by `portcullis-cli` in one process stops working at
// once in a server running in another. Thread-safe.
class SharedCounter
{
public:
    // Maps `path`, creating it (mode 0600) if needed.
    [[nodiscard]] static Result<std::unique_ptr<SharedCounter>> open(const QString &path);
    ~SharedCounter();
    SharedCounter(const SharedCounter &) = delete;
    SharedCounter &operator=(const SharedCounter &) = delete;

    [[nodiscard]] quint64 value() const;
    void bump();

private:
    explicit SharedCounter(void *mapping);

    void *m_mapping;
};

} // namespace portcullis::store
