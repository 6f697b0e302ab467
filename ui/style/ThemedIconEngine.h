#pragma once

#include <QByteArray>
#include <QHash>
#include <QIconEngine>

#include <memory>

class QSvgRenderer;

namespace portcullis::ui {

// Renders a monochrome SVG icon in the current palette's text colour, at whatever size and device pixel
// ratio is asked for, so icons stay sharp at high DPI and readable in light and dark themes. The SVG source
// paints with the sentinel colour #010203, which is replaced at render time.
class ThemedIconEngine final : public QIconEngine
{
public:
    explicit ThemedIconEngine(QByteArray svg);
    ~ThemedIconEngine() override;

    void paint(QPainter *painter, const QRect &rect, QIcon::Mode mode, QIcon::State state) override;
    QPixmap pixmap(const QSize &size, QIcon::Mode mode, QIcon::State state) override;
    QPixmap scaledPixmap(const QSize &size, QIcon::Mode mode, QIcon::State state, qreal scale) override;
    QSize actualSize(const QSize &size, QIcon::Mode mode, QIcon::State state) override;
    QIconEngine *clone() const override;
    QString key() const override;
    bool isNull() override;

    static constexpr const char *SENTINEL_COLOR = "#010203";

private:
    QSvgRenderer *rendererFor(QIcon::Mode mode);

    QByteArray m_svg;
    QHash<QRgb, std::shared_ptr<QSvgRenderer>> m_renderers;
};

} // namespace portcullis::ui
