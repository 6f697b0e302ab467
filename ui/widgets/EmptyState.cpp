#include "widgets/EmptyState.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace portcullis::ui {

namespace {
constexpr int ICON_SIZE = 56;
constexpr int TEXT_WIDTH = 520;
} // namespace

EmptyState::EmptyState(const QIcon &icon, const QString &headline, const QString &explanation, QWidget *parent)
    : QWidget(parent)
    , m_icon(icon)
    , m_iconLabel(new QLabel(this))
    , m_headline(headline)
    , m_explanation(explanation)
{
    m_iconLabel->setAlignment(Qt::AlignHCenter);
    refreshIcon();

    auto *headlineLabel = new QLabel(headline, this);
    headlineLabel->setObjectName(QStringLiteral("emptyStateHeadline"));
    QFont headlineFont = headlineLabel->font();
    headlineFont.setPointSizeF(headlineFont.pointSizeF() * 1.2);
    headlineFont.setWeight(QFont::DemiBold);
    headlineLabel->setFont(headlineFont);
    headlineLabel->setAlignment(Qt::AlignHCenter);
    headlineLabel->setWordWrap(true);

    auto *text = new QLabel(explanation, this);
    text->setObjectName(QStringLiteral("emptyStateText"));
    text->setAlignment(Qt::AlignHCenter);
    text->setWordWrap(true);
    text->setForegroundRole(QPalette::PlaceholderText);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // A column of bounded width, centred; the labels fill it so word wrap gets the whole width.
    auto *column = new QWidget(this);
    column->setMaximumWidth(TEXT_WIDTH);
    auto *columnLayout = new QVBoxLayout(column);
    columnLayout->setContentsMargins(0, 0, 0, 0);
    columnLayout->addWidget(m_iconLabel);
    columnLayout->addSpacing(12);
    columnLayout->addWidget(headlineLabel);
    columnLayout->addSpacing(4);
    columnLayout->addWidget(text);

    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(column, 4);
    row->addStretch(1);

    auto *layout = new QVBoxLayout(this);
    layout->addStretch(2);
    layout->addLayout(row);
    layout->addStretch(3);
}

void EmptyState::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        refreshIcon();
}

void EmptyState::refreshIcon()
{
    m_iconLabel->setPixmap(m_icon.pixmap(QSize(ICON_SIZE, ICON_SIZE), devicePixelRatioF(), QIcon::Disabled));
}

} // namespace portcullis::ui
