#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "monitor/SecurityEvent.h"

namespace portcullis::monitor {

// A bounded ring of events for many producers and one consumer: Dmitry Vyukov's bounded MPMC queue. Each cell
// carries a sequence number that says whether it is free for the producer at a position or filled for the consumer,
// so a push is one compare-and-swap on the enqueue position plus the move of the event, never a lock, and a full ring
// refuses at once. Events from one producer come out in the order it pushed them.
class EventRing
{
public:
    explicit EventRing(std::size_t capacity)
        : m_mask(std::bit_ceil(std::max<std::size_t>(capacity, 2)) - 1)
        , m_cells(std::make_unique<Cell[]>(m_mask + 1))
    {
        for (std::size_t i = 0; i <= m_mask; ++i)
            m_cells[i].sequence.store(i, std::memory_order_relaxed);
    }

    [[nodiscard]] std::size_t capacity() const { return m_mask + 1; }

    // Any thread. False when the ring is full; `position` is the event's place in the order of all pushes.
    bool push(SecurityEvent &&event, std::size_t &position)
    {
        std::size_t pos = m_enqueue.load(std::memory_order_relaxed);
        Cell *cell = nullptr;
        for (;;) {
            cell = &m_cells[pos & m_mask];
            const std::size_t sequence = cell->sequence.load(std::memory_order_acquire);
            const auto difference = std::intptr_t(sequence) - std::intptr_t(pos);
            if (difference == 0) {
                if (m_enqueue.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed))
                    break;
            } else if (difference < 0) {
                return false; // the consumer has not freed this cell: full
            } else {
                pos = m_enqueue.load(std::memory_order_relaxed);
            }
        }
        cell->event = std::move(event);
        cell->sequence.store(pos + 1, std::memory_order_release);
        position = pos;
        return true;
    }

    // The consumer thread only. False when the next event is not there yet (none pushed, or its producer is still
    // moving it in).
    bool pop(SecurityEvent &event)
    {
        const std::size_t pos = m_dequeue.load(std::memory_order_relaxed);
        Cell &cell = m_cells[pos & m_mask];
        if (cell.sequence.load(std::memory_order_acquire) != pos + 1)
            return false;
        event = std::move(cell.event);
        cell.event = SecurityEvent();
        cell.sequence.store(pos + m_mask + 1, std::memory_order_release);
        m_dequeue.store(pos + 1, std::memory_order_release);
        return true;
    }

    // The consumer thread only: whether pop() would find an event now.
    [[nodiscard]] bool ready() const
    {
        const std::size_t pos = m_dequeue.load(std::memory_order_relaxed);
        return m_cells[pos & m_mask].sequence.load(std::memory_order_acquire) == pos + 1;
    }

    // Positions claimed by producers so far: every accepted push.
    [[nodiscard]] std::size_t pushed() const { return m_enqueue.load(std::memory_order_acquire); }
    [[nodiscard]] std::size_t popped() const { return m_dequeue.load(std::memory_order_acquire); }

private:
    // A cell per cache line (or two), so producers filling neighbouring cells do not share one.
    struct alignas(64) Cell
    {
        std::atomic<std::size_t> sequence;
        SecurityEvent event;
    };

    const std::size_t m_mask;
    std::unique_ptr<Cell[]> m_cells;
    alignas(64) std::atomic<std::size_t> m_enqueue {0};
    alignas(64) std::atomic<std::size_t> m_dequeue {0};
};

} // namespace portcullis::monitor
