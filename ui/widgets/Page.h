#pragma once

#include <QWidget>

class QLabel;
class QVBoxLayout;

namespace portcullis::ui {

// A console page: a title and a one-line subtitle above the page's own content.
class Page : public QWidget
{
    Q_OBJECT

public:
    Page(const QString &title, const QString &subtitle, QWidget *parent = nullptr);

    [[nodiscard]] QString title() const;
    [[nodiscard]] QString subtitle() const;

protected:
    [[nodiscard]] QVBoxLayout *body() const { return m_body; }

private:
    QLabel *m_title;
    QLabel *m_subtitle;
    QVBoxLayout *m_body;
};

} // namespace portcullis::ui
