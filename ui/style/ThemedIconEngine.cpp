#include "style/ThemedIconEngine.h"

#include <QGuiApplication>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QSvgRenderer>

namespace portcullis::ui {

ThemedIconEngine::ThemedIconEngine(QByteArray svg)
    : m_svg(std::move(svg))
{ }

ThemedIconEngine::~ThemedIconEngine() = default;

QSvgRenderer *ThemedIconEngine::rendererFor(QIcon::Mode mode)
{
    const QPalette palette = QGuiApplication::palette();
    QColor color = palette.color(QPalette::Active, QPalette::WindowText);
    if (mode == QIcon::Disabled)
        color = palette.color(QPalette::Disabled, QPalette::WindowText);
    else if (mode == QIcon::Selected)
        color = palette.color(QPalette::Active, QPalette::HighlightedText);

    auto &renderer = m_renderers[color.rgba()];
    if (!renderer) {
        QByteArray svg = m_svg;
        svg.replace(SENTINEL_COLOR, color.name(QColor::HexRgb).toLatin1());
        renderer = std::make_shared<QSvgRenderer>(svg);
    }
    return renderer.get();
}

void ThemedIconEngine::paint(QPainter *painter, const QRect &rect, QIcon::Mode mode, QIcon::State)
{
    QSvgRenderer *renderer = rendererFor(mode);
    if (renderer->isValid())
        renderer->render(painter, rect);
}

QPixmap ThemedIconEngine::pixmap(const QSize &size, QIcon::Mode mode, QIcon::State state)
{
    return scaledPixmap(size, mode, state, 1.0);
}

// Qt 6.4 passes `size` in device pixels here (QIcon::pixmap multiplies by the ratio before calling).
QPixmap ThemedIconEngine::scaledPixmap(const QSize &size, QIcon::Mode mode, QIcon::State state, qreal scale)
{
    QPixmap pixmap(size);
    pixmap.fill(Qt::transparent);
    if (pixmap.isNull())
        return pixmap;
    {
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        paint(&painter, QRect(QPoint(0, 0), pixmap.size()), mode, state);
    }
    pixmap.setDevicePixelRatio(scale);
    return pixmap;
}

QSize ThemedIconEngine::actualSize(const QSize &size, QIcon::Mode, QIcon::State)
{
    return size;
}

QIconEngine *ThemedIconEngine::clone() const
{
    return new ThemedIconEngine(m_svg);
}

QString ThemedIconEngine::key() const
{
    return QStringLiteral("portcullis-themed-svg");
}

bool ThemedIconEngine::isNull()
{
    return m_svg.isEmpty();
}

} // namespace portcullis::ui
